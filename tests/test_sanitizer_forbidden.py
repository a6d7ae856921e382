"""Detecting and scrubbing what operators must never see."""

import pytest

from sanitizer import FORBIDDEN_KINDS, STEPS, find_forbidden, scrub_text
from sanitizer.forbidden import SCRUB_FALLBACK

FORBIDDEN_EXAMPLES = [
    # tool names, in any case
    ("tool name", "virt-v2v"),
    ("tool name", "VIRT-V2V-IN-PLACE"),
    ("tool name", "VirtIO"),
    ("tool name", "virtio-win-0.1.240.iso"),
    ("tool name", "libguestfs: error"),
    ("tool name", "qemu-img convert"),
    ("tool name", "nbdkit exited"),
    # device paths
    ("device path", "/dev/vdb"),
    ("device path", "/dev/sda1"),
    ("device path", "/dev/mapper/vg0-root"),
    ("device path", "disk vdc is busy"),
    # file and script paths
    ("file or script path", "/opt/migratekit/bin/inject.sh"),
    ("file or script path", "/usr/lib/python3/site-packages/x"),
    ("file or script path", "/var/log/oma/api.log"),
    ("file or script path", r"C:\Windows\System32\drivers\viostor.sys"),
    ("file or script path", "inject_drivers.py"),
    ("file or script path", "failover/error_sanitizer.go:123"),
    ("file or script path", "scripts/run.sh"),
    # SQL
    ("SQL", "SELECT id, status FROM replication_jobs WHERE vm_context_id = ?"),
    ("SQL", "select * from vm_replication_contexts"),
    ("SQL", "INSERT INTO job_tracking (id) VALUES ('x')"),
    ("SQL", "UPDATE replication_jobs SET status = 'failed'"),
    ("SQL", "DELETE FROM job_steps WHERE job_id = 1"),
    ("SQL", "duplicate key value violates unique constraint"),
    ("SQL", "Error 1062: Duplicate entry 'x' for key 'PRIMARY'"),
    ("SQL", "pq: relation does not exist"),
    # stack traces
    ("stack trace", 'Traceback (most recent call last):\n  File "x", line 3, in <module>\nValueError: bad'),
    ("stack trace", 'File "/srv/app.py", line 12, in handler'),
    ("stack trace", "goroutine 1 [running]:\nmain.main()\n\tmain.go:5 +0x1d"),
    ("stack trace", "panic: runtime error: invalid memory address"),
    ("stack trace", "<urllib3.connection.HTTPConnection object at 0x7f3a2c>"),
    ("stack trace", "raised NewConnectionError"),
    # internal addresses
    ("internal address", "http://10.0.0.5:8082/api/v1/replications"),
    ("internal address", "https://oma.example.com/api"),
    ("internal address", "10.0.0.5"),
    ("internal address", "192.168.1.20:443"),
    ("internal address", "oma-api:8082"),
    ("internal address", "localhost"),
    ("internal address", "host='oma-db'"),
    ("internal address", "fe80::1"),
]

CLEAN_EXAMPLES = [
    "KVM driver installation failed - compatibility issue",
    "Try live failover (no driver modification)",
    "Next run at 17:46:57 on 2025-10-03T17:46:57+01:00",
    "Started 2025-10-03 14:07:28Z, took 33:19",
    "MAC address 00:50:56:ab:cd:ef",
    "Progress 60% (3 of 5 steps), width:50%",
    "vCenter vcenter.example.com, datacenter DC1",
    "Select the VMs from the list, then assign them to a group",
    "Delete from group",
    "Update schedule settings",
    "Run now / Skip if running / and/or",
    "htmx 2.0.11 and SortableJS 1.15.7",
    "Error: the schedule name is taken",
    "Replication Completed",
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"></svg>',
    "",
]


@pytest.mark.parametrize("kind, text", FORBIDDEN_EXAMPLES)
def test_it_finds_each_kind_of_forbidden_content(kind, text):
    found = find_forbidden(f"before {text} after")

    assert any(finding.startswith(f"{kind}: ") for finding in found), found


def test_every_kind_is_covered_by_an_example():
    assert {kind for kind, _ in FORBIDDEN_EXAMPLES} == set(FORBIDDEN_KINDS)


@pytest.mark.parametrize("text", CLEAN_EXAMPLES)
def test_plain_operator_text_is_clean(text):
    assert find_forbidden(text) == []


@pytest.mark.parametrize("text", [name for step in STEPS for name in (step.display_name, step.description)])
def test_every_step_name_and_description_is_clean(text):
    assert find_forbidden(text) == []


def test_links_of_the_product_are_not_reported_though_scrubbing_removes_paths():
    assert find_forbidden('<a href="/schedules/3/edit">Edit</a>') == []
    assert scrub_text("Open /schedules/3/edit") == "Open a system path"


def test_nothing_is_clean_of_nothing():
    assert find_forbidden(None) == []


@pytest.mark.parametrize("kind, text", FORBIDDEN_EXAMPLES)
def test_scrubbing_removes_each_kind_of_forbidden_content(kind, text):
    scrubbed = scrub_text(f"before {text} after")

    assert find_forbidden(scrubbed) == []
    assert scrubbed.startswith("before")


@pytest.mark.parametrize("text", CLEAN_EXAMPLES)
def test_scrubbing_leaves_plain_text_alone(text):
    assert scrub_text(text) == text


@pytest.mark.parametrize("raw, scrubbed", [
    ("virt-v2v failed on /dev/vdb", "driver injection tool failed on a storage volume"),
    ("VirtIO drivers missing", "KVM drivers missing"),
    ("virtio_blk driver not loaded", "KVM drivers not loaded"),
    ("copy virtio-win.iso", "copy driver package"),
    ("virt-v2v-in-place exited", "driver preparation exited"),
    ("cannot reach http://10.0.0.5:8082/api/v1/x", "cannot reach an internal service address"),
    ("error at 10.0.0.5", "error at an internal address"),
    ("failed in /opt/migratekit/bin/inject.sh", "failed in a system file"),
    ("pq: duplicate key value", "database: a database conflict value"),
    ("Traceback (most recent call last):\n  File \"/opt/x.py\", line 3, in <module>\n    run()\nKeyError: 'a'",
     "internal error details"),
    ("GET /api/v1/replications failed", "GET a system path failed"),
    ("Authorization: Bearer abc.def", "Authorization: bearer [hidden]"),
    ("login with password=hunter2 failed", "login with password=[hidden] failed"),
    ("[Errno 111] Connection refused", "Connection refused"),
])
def test_scrubbing_says_plain_words_instead(raw, scrubbed):
    assert scrub_text(raw) == scrubbed


def test_scrubbing_nothing_gives_an_empty_text():
    assert scrub_text(None) == ""


def test_text_that_cannot_be_made_clean_is_replaced_entirely():
    assert scrub_text("virt-v2v", max_passes=0) == SCRUB_FALLBACK
