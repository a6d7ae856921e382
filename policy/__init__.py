"""The rules of the protection policy the scheduler applies (no Flask): replication windows
(`policy.windows`), what windows and blackouts say about a slot or a VM at an instant
(`policy.slots`), and the events the policy records (`policy.events`)."""
