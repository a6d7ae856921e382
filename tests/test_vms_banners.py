"""Dismissed last-operation banners: per user, per VM, per operation."""
import pytest

from vms import banner_dismissed, dismiss_banner

pytestmark = pytest.mark.both_dbs


def test_a_banner_is_not_dismissed_until_the_user_dismisses_it(app, users):
    viewer = users["viewer"]
    assert banner_dismissed(viewer.id, "ctx-1", "job-1") is False
    dismiss_banner(viewer.id, "ctx-1", "job-1")
    assert banner_dismissed(viewer.id, "ctx-1", "job-1") is True


def test_a_dismissal_is_the_user_s_own_and_the_vm_s_own(app, users):
    dismiss_banner(users["viewer"].id, "ctx-1", "job-1")
    assert banner_dismissed(users["operator"].id, "ctx-1", "job-1") is False
    assert banner_dismissed(users["viewer"].id, "ctx-2", "job-1") is False


def test_a_later_operation_shows_its_banner_again_until_dismissed_in_turn(app, users):
    viewer = users["viewer"]
    dismiss_banner(viewer.id, "ctx-1", "job-1")
    assert banner_dismissed(viewer.id, "ctx-1", "job-2") is False
    dismiss_banner(viewer.id, "ctx-1", "job-2")
    assert banner_dismissed(viewer.id, "ctx-1", "job-2") is True
    assert banner_dismissed(viewer.id, "ctx-1", "job-1") is False


def test_an_operation_without_a_job_id_can_be_dismissed(app, users):
    viewer = users["viewer"]
    dismiss_banner(viewer.id, "ctx-1", "")
    assert banner_dismissed(viewer.id, "ctx-1", None) is True
