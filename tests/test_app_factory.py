"""The app factory, configuration and the base layout."""
import pytest

from app import create_app
from config import BASE_DIR


def test_create_app_takes_a_config_dict_that_overrides_the_environment(app_config, monkeypatch, tmp_path):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("MIN_SCHEDULE_INTERVAL_SECONDS", "120")
    app = create_app({**app_config, "DISPLAY_TIMEZONE": "Europe/London"})
    assert app.config["DISPLAY_TIMEZONE"] == "Europe/London"
    assert app.config["MIN_SCHEDULE_INTERVAL_SECONDS"] == 120


def test_a_bad_integer_setting_is_reported_by_name(app_config, monkeypatch, tmp_path):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("MIN_SCHEDULE_INTERVAL_SECONDS", "often")
    with pytest.raises(RuntimeError, match="MIN_SCHEDULE_INTERVAL_SECONDS"):
        create_app(app_config)


def test_the_embedded_default_database_is_sqlite_under_instance(monkeypatch, tmp_path):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"TESTING": True, "BACKGROUND_SERVICES": False})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'dashboard.sqlite3'}"


def test_a_generated_secret_key_is_kept_across_restarts(monkeypatch, tmp_path):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app({"TESTING": True, "BACKGROUND_SERVICES": False}).config["SECRET_KEY"]
    second = create_app({"TESTING": True, "BACKGROUND_SERVICES": False}).config["SECRET_KEY"]
    assert first == second and len(first) >= 32


def test_a_configured_instance_path_and_secret_key_leave_every_other_folder_alone(monkeypatch, tmp_path):
    from_environment = tmp_path / "from-environment"
    configured = tmp_path / "configured"
    monkeypatch.setenv("INSTANCE_PATH", str(from_environment))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"TESTING": True, "BACKGROUND_SERVICES": False, "INSTANCE_PATH": str(configured),
                      "SECRET_KEY": "configured-secret"})
    assert app.instance_path == str(configured)
    assert app.config["SECRET_KEY"] == "configured-secret"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{configured / 'dashboard.sqlite3'}"
    assert not from_environment.exists()
    assert not (configured / "secret_key").exists()


def test_without_instance_path_in_the_environment_the_default_instance_folder_is_not_written(monkeypatch,
                                                                                            tmp_path):
    default = BASE_DIR / "instance"

    def contents() -> dict:
        return {path.name: path.stat().st_mtime_ns for path in default.iterdir()} if default.exists() else {}

    before = contents()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("INSTANCE_PATH", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    create_app({"TESTING": True, "BACKGROUND_SERVICES": False, "INSTANCE_PATH": str(tmp_path / "instance"),
                "SECRET_KEY": "configured-secret", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert contents() == before
    assert list(tmp_path.iterdir()) == []


def test_a_secret_key_is_generated_in_the_configured_instance_path_when_none_is_set(monkeypatch, tmp_path):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "from-environment"))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app({"TESTING": True, "BACKGROUND_SERVICES": False, "INSTANCE_PATH": str(tmp_path / "configured"),
                      "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert (tmp_path / "configured" / "secret_key").read_text() == app.config["SECRET_KEY"]
    assert not (tmp_path / "from-environment").exists()


def test_the_layout_uses_vendored_scripts_and_no_cdn(client):
    page = client.get("/").get_data(as_text=True)
    assert "/static/vendor/htmx-2.0.11.min.js" in page
    assert "/static/vendor/Sortable-1.15.7.min.js" in page
    assert "https://" not in page and "http://" not in page


def test_vendored_assets_are_served(client):
    for path in ("/static/vendor/htmx-2.0.11.min.js", "/static/vendor/Sortable-1.15.7.min.js",
                 "/static/css/app.css", "/static/js/app.js"):
        response = client.get(path)
        assert response.status_code == 200, path
        response.close()


def test_the_layout_has_landmarks_and_a_skip_link(client):
    page = client.get("/").get_data(as_text=True)
    assert '<main id="main"' in page
    assert 'aria-label="Main"' in page
    assert 'class="skip-link"' in page


def test_healthz_answers_without_login(anon_client):
    response = anon_client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_the_page_icon_is_served_to_anyone_and_named_by_every_page(anon_client, client):
    icon = anon_client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data
    assert 'rel="icon" href="/static/favicon.svg"' in anon_client.get("/login").get_data(as_text=True)
    assert 'rel="icon"' in client.get("/").get_data(as_text=True)


def test_an_unknown_api_path_answers_a_json_404(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"


def test_an_unknown_page_answers_an_html_404_without_a_traceback(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Traceback" not in response.get_data(as_text=True)
