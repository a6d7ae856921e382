"""Each VM's protection against its RPO (`protection.assess`, with predicted durations from
`protection.durations`), overruns (`protection.overruns`), and editing the protection policy:
windows, blackouts and RPO targets, validated and audited (`protection.manage`)."""
