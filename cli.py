"""Flask CLI command groups (`flask --app app <group> <command>`)."""
from flask import Flask


def register_cli(app: Flask) -> None:
    import importlib

    for module_name, attribute in (
        ("security.cli", "users_cli"),
        ("security.cli", "tokens_cli"),
        ("scheduler.cli", "scheduler_cli"),
        ("simulator.cli", "demo_cli"),
        ("bench.fleet.cli", "bench_cli"),
    ):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name and not module_name.startswith(str(exc.name)):
                raise
            continue
        app.cli.add_command(getattr(module, attribute))
