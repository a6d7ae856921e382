"""Whatever the step and the raw error, operators see nothing forbidden."""

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanitizer import STEPS, find_forbidden, sanitize_error, scrub_text, step_display_name

FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TOOL_NAMES = ["virt-v2v", "virt-v2v-in-place", "virtio", "VirtIO", "virtio-win", "virtio-win.iso", "libguestfs",
              "qemu-img", "nbdkit", "v2v"]
SYSTEM_ROOTS = ["opt", "usr", "var", "etc", "home", "tmp", "srv", "root"]
SCRIPT_EXTENSIONS = ["py", "sh", "go", "pl", "ps1", "bat", "exe"]

identifiers = st.text(string.ascii_lowercase + string.digits + "_", min_size=1, max_size=10).filter(
    lambda word: word[0].isalpha())
octets = st.integers(min_value=0, max_value=255)
ports = st.integers(min_value=10, max_value=65535)


@st.composite
def random_case(draw, words):
    word = draw(st.sampled_from(words))
    flips = draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    return "".join(c.upper() if flip else c.lower() for c, flip in zip(word, flips))


tool_names = random_case(TOOL_NAMES)
device_paths = st.builds(
    lambda kind, letter, part: f"/dev/{kind}{letter}{part}",
    st.sampled_from(["vd", "sd", "xvd", "nvme0n", "mapper/vg-"]), st.sampled_from(string.ascii_lowercase),
    st.sampled_from(["", "1", "2"]))
file_paths = st.one_of(
    st.builds(lambda root, parts: "/" + "/".join([root, *parts]), st.sampled_from(SYSTEM_ROOTS),
              st.lists(identifiers, min_size=1, max_size=4)),
    st.builds(lambda parts, ext: "/".join(parts) + "." + ext, st.lists(identifiers, min_size=1, max_size=3),
              st.sampled_from(SCRIPT_EXTENSIONS)),
    st.builds(lambda drive, parts: f"{drive}:\\" + "\\".join(parts), st.sampled_from("CDcd"),
              st.lists(identifiers, min_size=1, max_size=3)),
)
sql = st.one_of(
    st.builds(lambda col, table: f"SELECT {col} FROM {table} WHERE id = 1", identifiers, identifiers),
    st.builds(lambda table: f"select * from {table}", identifiers),
    st.builds(lambda table, col: f"INSERT INTO {table} ({col}) VALUES ('x')", identifiers, identifiers),
    st.builds(lambda table, col: f"UPDATE {table} SET {col} = 'failed'", identifiers, identifiers),
    st.builds(lambda table: f"DELETE FROM {table} WHERE id = 7", identifiers),
    st.builds(lambda name: f'pq: duplicate key value violates unique constraint "{name}"', identifiers),
    st.builds(lambda key: f"Error 1062: Duplicate entry '{key}' for key 'PRIMARY'", identifiers),
)
tracebacks = st.one_of(
    st.builds(lambda path, line, exc: f'Traceback (most recent call last):\n  File "/opt/{path}.py", line {line}, '
                                      f"in <module>\n    run()\n{exc}: boom",
              identifiers, st.integers(1, 9999), st.sampled_from(["ValueError", "KeyError", "OSError"])),
    st.builds(lambda line: f"goroutine 1 [running]:\nmain.main()\n\t/src/main.go:{line} +0x1d", st.integers(1, 999)),
    st.builds(lambda what: f"panic: runtime error: {what}", identifiers),
)
addresses = st.one_of(
    st.builds(lambda a, b, c, d: f"{a}.{b}.{c}.{d}", octets, octets, octets, octets),
    st.builds(lambda a, b, port: f"10.{a}.{b}.5:{port}", octets, octets, ports),
    st.builds(lambda scheme, host, port, path: f"{scheme}://{host}:{port}/{path}",
              st.sampled_from(["http", "https", "HTTP"]), identifiers, ports, identifiers),
    st.builds(lambda host, port: f"{host}:{port}", identifiers, ports),
)
forbidden_fragments = st.one_of(tool_names, device_paths, file_paths, sql, tracebacks, addresses)

arbitrary_text = st.text(max_size=30)
raw_errors = st.lists(st.one_of(arbitrary_text, forbidden_fragments), min_size=1, max_size=6).map("".join).filter(
    lambda text: text.strip())
known_steps = st.sampled_from([name for step in STEPS for name in step.names])
step_names = st.one_of(
    known_steps,
    arbitrary_text,
    st.lists(st.one_of(identifiers, forbidden_fragments), min_size=1, max_size=4).map("-".join),
    st.none(),
)


@FAST
@given(step=step_names, raw=raw_errors)
def test_operators_never_see_forbidden_content_whatever_the_error(step, raw):
    result = sanitize_error(step, raw)

    assert result is not None
    assert result.technical_detail == raw
    assert find_forbidden(result.message) == []
    for action in result.actionable_steps:
        assert find_forbidden(action) == []
    assert find_forbidden(step_display_name(step)) == []


@FAST
@given(step=step_names)
def test_step_names_are_always_shown_clean(step):
    assert find_forbidden(step_display_name(step)) == []


@FAST
@given(before=arbitrary_text, fragment=forbidden_fragments, after=arbitrary_text)
def test_every_forbidden_fragment_is_detected_among_other_text(before, fragment, after):
    assert find_forbidden(f"{before} {fragment} {after}") != []


@FAST
@given(text=st.one_of(arbitrary_text, raw_errors))
def test_scrubbed_text_is_always_clean(text):
    assert find_forbidden(scrub_text(text)) == []
