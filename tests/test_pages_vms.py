"""VM list and VM detail: group, next run, recent jobs, last-operation banner until dismissed."""
from extensions import db
from tests.factories import add_member, make_group, make_replication_job, make_schedule, make_vm

SUMMARY = {"job_id": "jt-9", "operation_type": "test_failover", "status": "failed", "timestamp": "2025-10-01T10:00:00+00:00",
           "failed_step": "Preparing Drivers for Compatibility", "failed_step_internal": "virtio-driver-injection",
           "error_message": "Driver preparation failed", "actionable_steps": ["Check the VM's operating system"]}


def test_the_vm_page_shows_group_schedule_and_recent_jobs(client):
    vm = make_vm("pgtest2")
    add_member(make_group("2pm", make_schedule("afternoon")), vm)
    make_replication_job(vm, status="completed")
    page = client.get("/vms/pgtest2").get_data(as_text=True)
    assert "2pm" in page and "afternoon" in page and "Replication" in page


def test_the_last_operation_banner_shows_until_dismissed(client):
    make_vm("failing", last_operation_summary=SUMMARY)
    page = client.get("/vms/failing").get_data(as_text=True)
    assert "Last operation" in page and "Driver preparation failed" in page
    assert "virtio-driver-injection" not in page
    client.post("/vms/failing/dismiss-banner")
    assert "Last operation" not in client.get("/vms/failing").get_data(as_text=True)


def test_a_new_operation_brings_the_banner_back(client):
    vm = make_vm("again", last_operation_summary=SUMMARY)
    client.post("/vms/again/dismiss-banner")
    vm.last_operation_summary = {**SUMMARY, "job_id": "jt-10"}
    db.session.commit()
    assert "Last operation" in client.get("/vms/again").get_data(as_text=True)


def test_a_viewer_may_dismiss_their_own_banner(viewer_client):
    make_vm("seen", last_operation_summary=SUMMARY)
    assert viewer_client.post("/vms/seen/dismiss-banner").status_code == 302


def test_the_vm_list_filters_by_name(client):
    make_vm("alpha-1")
    make_vm("beta-1")
    page = client.get("/vms/?q=alpha").get_data(as_text=True)
    assert "alpha-1" in page and "beta-1" not in page


def test_an_unknown_vm_is_a_404(client):
    assert client.get("/vms/nobody").status_code == 404


def test_a_failed_over_vm_says_its_next_run_will_be_skipped(client):
    make_vm("fo-01", current_status="failed_over_test")
    page = client.get("/vms/fo-01").get_data(as_text=True)
    assert "skipped while the VM is failed over" in page


def test_the_vm_list_pages_by_name_with_links_that_keep_the_search(client):
    for index in range(55):
        make_vm(f"node-{index:02d}")
    make_vm("other")
    first = client.get("/vms/?q=node").get_data(as_text=True)
    assert "node-49" in first and "node-50" not in first and "55 managed" in first
    assert 'aria-label="VM pages"' in first and "Page 1 of 2" in first
    assert 'href="/vms/?page=2&amp;q=node" rel="next">Next' in first and 'rel="prev"' not in first
    second = client.get("/vms/?q=node&page=2").get_data(as_text=True)
    assert "node-54" in second and "node-49" not in second
    assert 'href="/vms/?page=1&amp;q=node" rel="prev">Previous' in second and 'rel="next"' not in second
