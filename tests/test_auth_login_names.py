"""User names at log-in are exact, and the failed-login limit follows the account.

MariaDB compares the user name column with an accent- and case-insensitive collation, so a
name that only collates equal to a user's must neither log in as that user nor dodge the
limit that user's name is under.
"""
import pytest

from tests.conftest import PASSWORDS

pytestmark = pytest.mark.both_dbs


def _login(client, username, password):
    token = client.refresh_csrf_token()
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       with_csrf=False)


@pytest.mark.parametrize("lookalike", ["öperator", "OPERATOR", "Operator", "opérator"])
def test_a_name_that_only_collates_equal_does_not_log_in_as_the_user(anon_client, lookalike):
    response = _login(anon_client, lookalike, PASSWORDS["operator"])
    assert response.status_code == 400
    assert "User name or password is not correct." in response.get_data(as_text=True)
    assert anon_client.get("/").status_code == 302


def test_a_locked_out_user_cannot_log_in_under_an_accented_spelling(anon_client):
    for _ in range(5):
        assert _login(anon_client, "operator", "wrong-password").status_code == 400
    assert _login(anon_client, "operator", PASSWORDS["operator"]).status_code == 429
    assert _login(anon_client, "öperator", PASSWORDS["operator"]).status_code != 302
    assert anon_client.get("/").status_code == 302


def test_accented_spellings_of_an_unknown_name_share_one_limit(anon_client):
    for name in ("ghost", "ghöst", "GHÓST", "ghost", "ġhost"):
        assert _login(anon_client, name, "wrong-password").status_code == 400
    assert _login(anon_client, "GHOST", "wrong-password").status_code == 429


def test_the_exact_name_still_logs_in(anon_client):
    assert _login(anon_client, "operator", PASSWORDS["operator"]).status_code == 302


def test_the_command_line_finds_users_by_their_exact_name(runner, users):
    result = runner.invoke(args=["users", "disable", "öperator"])
    assert result.exit_code == 1 and "no user named" in result.output
    assert users["operator"].active
