"""What operators must never see, how to detect it and how to scrub it away.

Each pattern is data: a kind (what `find_forbidden` reports), a compiled regular expression and
the plain words that replace a match in `scrub_text`. Patterns are ordered: the more specific
ones (a whole traceback, a URL, ``virt-v2v-in-place``) come before the ones they contain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["FORBIDDEN_KINDS", "FORBIDDEN_PATTERNS", "SCRUB_FALLBACK", "find_forbidden", "scrub_text"]

TOOL = "tool name"
DEVICE = "device path"
FILE = "file or script path"
SQL = "SQL"
TRACE = "stack trace"
ADDRESS = "internal address"

FORBIDDEN_KINDS = (TOOL, DEVICE, FILE, SQL, TRACE, ADDRESS)

# Said instead of the whole text when scrubbing cannot make it clean.
SCRUB_FALLBACK = "Details are available to administrators."

_I = re.IGNORECASE
_HEX = r"[0-9a-fA-F]{1,4}"
_SYSTEM_ROOTS = (
    "opt|usr|var|etc|home|root|tmp|srv|bin|sbin|lib|lib32|lib64|proc|sys|mnt|run|boot|media"
    "|snap|nix|Users|Library|Applications|private"
)
_FILE_EXTENSIONS = r"py[cwo]?|sh|bash|zsh|ps1|psm1|bat|cmd|go|pl|rb|exe|dll|so(?:\.\d+)*|iso|vmdk|qcow2|img|sql"


@dataclass(frozen=True)
class ForbiddenPattern:
    """One kind of content operators must not see, and the plain words that replace it."""

    kind: str
    regex: re.Pattern[str]
    replacement: str


def _p(kind: str, pattern: str, replacement: str, flags: int = _I) -> ForbiddenPattern:
    return ForbiddenPattern(kind, re.compile(pattern, flags), replacement)


FORBIDDEN_PATTERNS: tuple[ForbiddenPattern, ...] = (
    # Stack traces first: they contain file paths and exception names of their own.
    _p(TRACE, r"Traceback \(most recent call last\):?(?:\r?\n[ \t]+[^\n]*)*"
              r"(?:\r?\n[\w.]+(?:Error|Exception|Exit|Interrupt|Warning)\b[^\n]*)?",
       "internal error details"),
    _p(TRACE, r"\bgoroutine \d+ \[[^\]\n]*\]:?[\s\S]*", "internal error details"),
    _p(TRACE, r"\bFile \"[^\"\n]*\", line \d+(?:, in [^\n]*)?", "internal error details"),
    _p(TRACE, r"\bpanic:", "internal error:"),
    _p(TRACE, r"<[\w.]+ object at [^>\n]*>", "an internal component"),
    _p(TRACE, r"(?:\+|\b)0x[0-9a-f]+\b", "an internal reference"),
    _p(TRACE, r"\b(?:[A-Za-z_]\w*\.)*[A-Z][A-Za-z0-9]*(?:Error|Exception)\b", "an error", 0),
    # Internal addresses. URLs before host:port, IP addresses and paths.
    # XML namespaces (inline SVG icons) are names, not addresses of anything.
    _p(ADDRESS, r"\b(?!https?://www\.w3\.org/)[a-z][a-z0-9+.-]*://[^\s'\"<>)]*", "an internal service address"),
    _p(ADDRESS, r"\bhost\s*=\s*(?:'[^'\n]*'|\"[^\"\n]*\"|[^\s,)]+)", "an internal service"),
    _p(ADDRESS, r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?(?![\d]|\.\d)", "an internal address"),
    _p(ADDRESS, rf"(?<![\w:])(?:{_HEX}(?::{_HEX})*)?::(?:{_HEX}(?::{_HEX})*)?(?![\w:])(?<!::)", "an internal address"),
    _p(ADDRESS, r"(?<![\w.:/-])(?:localhost|[a-z][\w-]*(?:\.[a-z0-9][\w-]*)*):\d{2,5}(?![\w%]|\.\d)",
       "an internal service"),
    _p(ADDRESS, r"\blocalhost\b", "an internal service"),
    # Tool names, most specific first.
    _p(TOOL, r"virt-v2v-in-place", "driver preparation"),
    _p(TOOL, r"virt-v2v", "driver injection tool"),
    _p(TOOL, r"virtio-win(?:[\w.-]*\.iso)?", "driver package"),
    _p(TOOL, r"virtio(?:[_-](?:blk|scsi|net|serial|balloon|fs|gpu|rng|vsock|pci|mmio)|[ _-]drivers?\b)*",
       "KVM drivers"),
    _p(TOOL, r"v2v", "conversion tool"),
    _p(TOOL, r"libguestfs|guestfish|guestfs", "disk inspection tool"),
    _p(TOOL, r"qemu(?:-img|-nbd|-kvm|-system-\w+)?", "disk image tool"),
    _p(TOOL, r"nbdkit|nbdcopy", "data transfer service"),
    _p(TOOL, r"libvirtd?|virsh", "virtualization service"),
    # Device paths and names.
    _p(DEVICE, r"/dev/[\w./-]*", "a storage volume"),
    _p(DEVICE, r"\b(?:x?vd[a-z]{1,2}|nvme\d+n\d+(?:p\d+)?|nbd\d+|dm-\d+)(?:p?\d+)?\b", "a storage volume"),
    # File and script paths.
    _p(FILE, r"\b[a-z]:\\[^\s'\"<>|]*", "a system file"),
    _p(FILE, r"\\\\[\w.$-]+\\[^\s'\"<>|]*", "a system file"),
    _p(FILE, rf"(?<![\w.:/-])/(?:{_SYSTEM_ROOTS})/[^\s'\"<>,;:)\]}}]*", "a system file"),
    _p(FILE, rf"(?:[\w.~-]*/)*[\w-][\w.-]*\.(?:{_FILE_EXTENSIONS})(?::\d+)?\b", "a system file"),
    # SQL: uppercase statements, lowercase ones only in unmistakable shapes, database errors.
    _p(SQL, r"\bSELECT\b[^\n]{0,300}?\bFROM\b[^\n]*", "a database query", 0),
    _p(SQL, r"\bINSERT\s+INTO\b[^\n]*", "a database query", 0),
    _p(SQL, r"\bUPDATE\s+\S+\s+SET\b[^\n]*", "a database query", 0),
    _p(SQL, r"\bDELETE\s+FROM\b[^\n]*", "a database query", 0),
    _p(SQL, r"\bselect\s+(?:\*|[\w`\".]+(?:\s*,\s*[\w`\".]+)+)\s+from\b[^\n]*", "a database query"),
    _p(SQL, r"\bselect\b[^\n]{0,200}?\bfrom\s+[\w`\".]+\s+where\b[^\n]*", "a database query"),
    _p(SQL, r"\binsert\s+into\s+[\w`\".]+\s*(?:\(|values\b)[^\n]*", "a database query"),
    _p(SQL, r"\bupdate\s+[\w`\".]+\s+set\s+[\w`\".]+\s*=[^\n]*", "a database query"),
    _p(SQL, r"\bdelete\s+from\s+[\w`\".]+\s+where\b[^\n]*", "a database query"),
    _p(SQL, r"duplicate (?:key|entry)", "a database conflict"),
    _p(SQL, r"\bpq:", "database:"),
    _p(SQL, r"\bsqlstate\b|syntax error at or near|error in your sql syntax", "a database error"),
    _p(SQL, r"\b(?:sqlalchemy|pymysql|psycopg2?|sqlite3|mysqlclient)\b", "the database"),
)

# Technical noise that scrub_text also removes, though find_forbidden does not report it on its
# own (it occurs harmlessly in page markup, e.g. links): URL paths, error numbers, secrets.
_SCRUB_ONLY: tuple[ForbiddenPattern, ...] = (
    _p("secret", r"\bbearer\s+[\w.~+/=-]+", "bearer [hidden]"),
    _p("secret", r"\b(password|passwd|secret|token|api[_-]?key)(\s*[=:]\s*)[^\s,;'\"]+", r"\1\2[hidden]"),
    _p("path", r"(?<![\w.:/-])/[\w.@+~-]+(?:/[\w.@+~-]*)+", "a system path"),
    _p("errno", r"\[Errno -?\d+\]", " "),
)

_MAX_SCRUB_PASSES = 5
_RUNS_OF_BLANKS = re.compile(r"[ \t]{2,}")


def find_forbidden(text: object) -> list[str]:
    """Return what forbidden content `text` contains, as "kind: fragment" strings (empty = clean)."""
    if text is None:
        return []
    found: list[str] = []
    for pattern in FORBIDDEN_PATTERNS:
        for match in pattern.regex.finditer(str(text)):
            finding = f"{pattern.kind}: {match.group(0)[:80]}"
            if finding not in found:
                found.append(finding)
    return found


def _scrub_once(text: str) -> str:
    for pattern in FORBIDDEN_PATTERNS + _SCRUB_ONLY:
        text = pattern.regex.sub(pattern.replacement, text)
    return _RUNS_OF_BLANKS.sub(" ", text)


def scrub_text(text: object, *, max_passes: int = _MAX_SCRUB_PASSES) -> str:
    """Replace tool names, paths, SQL, traces and internal addresses in `text` with plain words.

    The last line of defence before anything reaches an operator: the result never contains
    what `find_forbidden` reports. Replacements can meet their neighbours and form something
    new, so scrubbing repeats until clean, and gives up on the text entirely (SCRUB_FALLBACK)
    if it is not clean after `max_passes` passes.
    """
    if text is None:
        return ""
    original = result = str(text)
    for _ in range(max_passes):
        if not find_forbidden(result) and _scrub_once(result) == result:
            break
        result = _scrub_once(result)
    if find_forbidden(result):
        return SCRUB_FALLBACK
    return result if result == original else result.strip()
