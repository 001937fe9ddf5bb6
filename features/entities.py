"""Entities a fix needs, read from the failure lines: namespace, pod, image, host, port, database, user, path...

Each rule is a regex whose named groups are entity kinds. Lines are read in order (failure lines first, then a
little of the log around them) and the first value of each kind wins. Lines are redacted first and values are
refused when they could be a secret (``looks_secret``) or could be read as an option (leading ``-``), so no
credential ever lands in a command.

>>> extract_entities(["Back-off restarting failed container api in pod ledger-api-7d9f8b6c5-x2x8q_payments(0a1b)"])
{'pod': 'ledger-api-7d9f8b6c5-x2x8q', 'deployment': 'ledger-api', 'namespace': 'payments', 'container': 'api'}
"""
from __future__ import annotations

import math
import re
from collections import Counter
from typing import Iterable, Sequence

from autodevops.features.signals import required_literals
from autodevops.redaction import REDACTED, redact

# The placeholders the catalog may use for filled values (datasets/catalog/README.md), plus RBAC's verb and
# service account.
KINDS = ("namespace", "pod", "deployment", "container", "image", "tag", "registry", "host", "port", "database",
         "user", "service", "secret", "configmap", "path", "package", "version", "resource", "release", "node",
         "pvc", "region", "project", "bucket", "pid", "verb", "serviceaccount")

_NAME = r"[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?"  # a Kubernetes object name (DNS-1123)
_POD = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?-(?=[a-z0-9]*\d)[a-z0-9]{8,10}-[a-z0-9]{5}"  # <deployment>-<hash>-<suffix>
_HOST = r"(?:\[[0-9a-f:.]+\]|[a-z0-9](?:[-a-z0-9_]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9_]*[a-z0-9])?)*)"
_ADDR = rf"(?:\d{{1,3}}(?:\.\d{{1,3}}){{3}}|\[[0-9a-f:.]+\]|(?=[\w.-]*[a-z]){_HOST})"  # not a clock: 10:11
_IMAGE = r"(?:[a-z0-9.-]+(?::\d+)?/)?[a-z0-9._-]+(?:/[a-z0-9._-]+)*(?::[\w.-]+)?(?:@sha256:[0-9a-f]{64})?"
_PKG = r"@?[\w.-]+(?:/[\w.-]+)?"

_RULES: list[str] = [
    # Kubernetes objects
    rf"in pod (?P<pod>{_NAME})_(?P<namespace>{_NAME})\(",
    rf"\bcontainer (?P<container>{_NAME}) in pod\b",
    rf"\buser \"(?P<user>system:serviceaccount:(?P<namespace>{_NAME}):(?P<serviceaccount>{_NAME}))\"",
    rf"\bsystem:serviceaccount:(?P<namespace>{_NAME}):(?P<serviceaccount>{_NAME})\b",
    rf"\bcannot (?P<verb>[a-z]+) resource \"(?P<resource>[\w.-]+)\"",
    rf"\bpods? \"?(?P<namespace>{_NAME})/(?P<pod>{_NAME})\"?",
    rf"\bpods?/(?P<pod>{_NAME})",
    rf"\bpods? \"(?P<pod>{_NAME})\"",
    rf"\bpod[: ]+(?P<pod>{_POD})\b",
    rf"\bnamespaces? \"(?P<namespace>{_NAME})\"",
    rf"(?:^|\s)(?:-n|--namespace)(?:\s+|=)(?P<namespace>{_NAME})\b",
    rf"\bnamespace[=:]\s*[\"']?(?P<namespace>{_NAME})",
    rf"\b(?P<namespace>{_NAME})/(?P<pod>{_POD})\b",
    rf"\bdeployments?(?:\.apps)?(?:/| \")(?P<deployment>{_NAME})",
    rf"\bcontainer(?: name)? \"/?(?P<container>[\w.-]+)\"",
    r"\bno such container: (?P<container>[\w.-]+)",
    rf"\bin secret (?:(?P<namespace>{_NAME})/)?(?P<secret>{_NAME})\b",
    rf"\bsecrets?(?:/| \")(?P<secret>{_NAME})",
    rf"\bin configmap (?:(?P<namespace>{_NAME})/)?(?P<configmap>{_NAME})\b",
    rf"\bconfigmaps?(?:/| \")(?P<configmap>{_NAME})",
    rf"\bpersistentvolumeclaims?(?:/| \")(?P<pvc>{_NAME})|\bpvc(?:/| \")(?P<pvc2>{_NAME})",
    rf"\bnodes?(?:/| \")(?P<node>[\w.-]+)|\bnode: (?P<node2>[\w.-]+)",
    rf"\bservices?(?:/| \")(?P<service>{_NAME})",
    r"\b(?:unit )?(?P<service>[\w@-]+(?:\.[\w@-]+)*)\.service\b",
    r"\bno such service: (?P<service>[\w.-]+)",
    # Helm
    rf"\brelease:? \"(?P<release>{_NAME})\"|\b(?:upgrade|install)(?: failed)?: \"(?P<release2>{_NAME})\" has no",
    rf"\bhelm (?:upgrade|install|status|history|rollback|uninstall)(?: --install| -i)? (?P<release>{_NAME})\b",
    # Images and registries
    rf"\bimage [\"'](?P<image>{_IMAGE})[\"']",
    rf"\bpull access denied for (?P<image>{_IMAGE}),",
    rf"\bmanifest for (?P<image>{_IMAGE}) not found",
    rf"\bfailed to resolve reference \"(?P<image>{_IMAGE})\"",
    rf"\b(?:docker|podman|crane|nerdctl) (?:image )?(?:pull|push) (?:--?[\w-]+(?:=\S+)? )*(?P<image>{_IMAGE})",
    rf"^(?:#\d+ \[[^\]]*\] |Step \d+/\d+ : )?(?-i:FROM) (?:--platform=\S+ )?(?P<image>{_IMAGE})",  # not Python's from
    rf"\bimage:\s+(?P<image>{_IMAGE})\s*$",
    r"https://(?P<registry>[\w.-]+(?::\d+)?)/v2/",
    r"\blogin (?:to )?(?P<registry>[a-z0-9-]+(?:\.[a-z0-9-]+)+(?::\d+)?)\b",
    # Hosts, ports, databases, users
    rf"\bdial tcp (?P<host>{_HOST}):(?P<port>\d{{1,5}})\b",
    rf"\blookup (?P<host>{_HOST})(?: on [\d.:]+)?: (?:no such host|server misbehaving|i/o timeout)",
    rf"\b(?:ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ECONNRESET) (?P<host>{_HOST}):(?P<port>\d{{1,5}})\b",
    rf"\bgetaddrinfo (?:ENOTFOUND|EAI_AGAIN) (?P<host>{_HOST})",
    rf"\bcould not resolve host:? (?P<host>{_HOST})",
    rf"\b(?:connect|connection) to (?:server at )?\"?(?P<host>{_HOST})\"?(?: \([^)]*\))?,? port (?P<port>\d{{1,5}})",
    rf"\bserver on '(?P<host>{_HOST})(?::(?P<port>\d{{1,5}}))?'",
    rf"\bon host \"(?P<host>{_HOST})\"",
    rf"\b(?:https?|tcp|grpcs?|redis|rediss|postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|amqps?)://"
    rf"(?:(?P<user>[\w.-]+)(?::[^@\s]*)?@)?(?P<host>{_HOST})(?::(?P<port>\d{{1,5}}))?"
    r"(?:/(?P<database>[\w$-]+)(?=[\s?\"']|$))?",
    r"\bbind for (?P<host>[\d.]+|\[[0-9a-f:]*\]):(?P<port>\d{1,5}) failed",
    rf"\blisten (?:tcp|udp)[46]? (?P<host>{_HOST})?:(?P<port>\d{{1,5}})\b",
    r"\baddress already in use \S*?:(?P<port>\d{1,5})\b",
    rf"\bbind\(\) to (?P<host>{_ADDR}):(?P<port>\d{{1,5}}) failed",
    rf"\b(?:to|on|at|from|reach|connecting to) (?P<host>{_ADDR}):(?P<port>\d{{2,5}})\b",
    r":(?P<port>\d{2,5})->",
    # A server announcing its own port ("Tomcat initialized with port 8080") names no port the fix is about.
    r"(?<!with )(?<!started on )(?<!listening on )(?<!running on )(?<!serving on )\bport[: ]+['\"]?(?P<port>\d{2,5})\b",
    r"\bdatabase [\"'](?P<database>[\w.$-]+)[\"']",
    r"\bunknown database '(?P<database>[\w.$-]+)'",
    r"\b(?:dbname|database|db)=(?P<database>[\w.$-]+)",
    r"\bfor user [\"'](?P<user>[^\"'@\s]+)[\"']",
    r"\brole \"(?P<user>[^\"\s]+)\" does not exist",
    r"\buser: arn:aws:iam::\d+:(?:user|assumed-role)/(?P<user>[\w+=,.@/-]+)",
    r"\buser[=:]\s*[\"']?(?!arn:)(?P<user>[\w.@-]+)",
    r"\b(?P<user>[\w.-]+@[\w-]+\.iam\.gserviceaccount\.com)\b",
    # Files
    r"\bno such file or directory, \w+ '(?P<path>[^']+)'|\bpermission denied, \w+ '(?P<path2>[^']+)'",
    r"\b(?:No such file or directory|Permission denied|Is a directory): '(?P<path>[^']+)'",
    r"\b(?:open|stat|lstat|mkdir|chdir|exec|unlink|readlink|chmod|chown|remove) (?P<path>(?:/|\./|\.\./|~/)[^\s:'\"]+):",
    r"(?:^|\s|:)(?P<path>(?:/|\./|~/)[^\s:'\"]+): (?:No such file|Permission denied|not found|cannot open)",
    r"\bcannot (?:access|open|stat|create|remove) '(?P<path>[^']+)'",
    r"\"(?P<path>/[^\"]+)\": not found",
    r"\bFileNotFoundException: (?P<path>[^\s(]+)",
    r"\bcould not open file \"(?P<path>[^\"]+)\"",
    r"(?P<path>\b[A-Z]:\\[^\s'\":*?<>|]+)",
    # Packages
    rf"\bno matching distribution found for (?P<package>[\w.-]+)(?:\[[^\]]*\])?(?:[=<>~!]=?(?P<version>[\w.*+-]+))?",
    rf"\bsatisfies the requirement (?P<package>[\w.-]+)(?:\[[^\]]*\])?(?:[=<>~!]=?(?P<version>[\w.*+-]+))?",
    r"\bno module named '(?P<package>[\w.]+)'",
    r"\b(?:cannot find (?:module|package)|can't resolve) '(?P<package>[^'./][^']*)'",
    rf"\bno matching version found for (?P<package>{_PKG})@(?P<version>[^\s,]+?)\.?(?:\s|$)",
    rf"\bregistry\.npmjs\.org/(?P<package>@?[\w.-]+(?:%2f[\w.-]+|/[\w.-]+)?)(?:\s|$)",
    r"\bunable to locate package (?P<package>[\w.+-]+)|\bpackage '(?P<package2>[\w.+-]+)' has no installation",
    r"\bartifact (?P<package>[\w.-]+:[\w.-]+):(?:jar|pom|war|aar)(?::[\w-]+)?:(?P<version>[\w.-]+)",
    rf"\bno required module provides package (?P<package>[\w./-]+)",
    r"\bgo: (?P<package>[\w.-]+\.[a-z]+/[\w./-]+)@(?P<version>v[\w.+-]+)",
    r"\bcould not find gem '(?P<package>[\w.-]+)(?: \((?P<version>[^)]+)\))?'",
    r"\bno matching package named `(?P<package>[\w-]+)`",
    r"\bversion[: ]+v?(?P<version>\d+(?:\.\d+)+)\b",
    # Cloud
    r"\bon resource:? (?P<resource>arn:\S+|[\w./:-]+)",
    r"\barn:aws[\w-]*:s3:::(?P<bucket>[a-z0-9][a-z0-9._-]{1,61}[a-z0-9])",
    r"(?P<resource>\barn:aws[\w-]*:[\w-]+:[\w-]*:\d*:[\w/:.+=,@-]+)",
    r"\bis not authorized to perform: (?P<verb>[\w:*-]+)",
    r"\bpermission [\"'](?P<verb>[\w.]+)[\"'] (?:denied|is missing)?",
    r"\bresource '(?P<resource>[^']+)' (?:was not found|does not exist)|\bon resource '(?P<resource2>[^']+)'",
    r"^\s*with (?P<resource>(?:module\.[\w-]+\.)*[a-z][\w-]*\.[\w-]+(?:\[[^\]]+\])?),",
    r"\bprojects/(?P<project>[a-z][\w-]{4,29}|\d{6,})\b",
    r"\bin project (?P<project>[a-z][\w-]{4,29}|\d{6,})\b",
    r"(?:--project[= ]|\bproject[=:] ?[\"']?)(?P<project>[a-z][\w-]{4,29})\b",
    r"\b(?:s3|gs)://(?P<bucket>[a-z0-9][a-z0-9._-]{1,61}[a-z0-9])",
    r"\bbucket(?:name)?(?:[=:] ?|\s)[\"']?(?P<bucket>[a-z0-9][a-z0-9._-]{1,61}[a-z0-9])[\"']",
    r"\b(?P<region>(?:us|eu|ap|sa|ca|me|af|il|mx)-(?:gov-)?(?:north|south|east|west|central|northeast|southeast"
    r"|northwest|southwest)-\d)\b",
    r"\b(?P<region>(?:us|europe|asia|australia|northamerica|southamerica|me|africa)-(?:central|east|west|north"
    r"|south|northeast|southeast|northwest|southwest)\d{1,2})\b",
    r"\bregion[=:] ?[\"']?(?P<region>[a-z]{2,}(?:-[a-z0-9]+)*)\b",
    # Processes
    r"\bpid[=: ]+(?P<pid>\d{1,7})\b|\(pid (?P<pid2>\d{1,7})\)",
]
_COMPILED = [re.compile(rule, re.IGNORECASE) for rule in _RULES]
# Text every match of a rule contains (None: no such text): most lines are ruled out by a substring test.
_GUARDS = [required_literals(rule) for rule in _RULES]
# Kinds a rule can give, including those derived from its values (an image names its tag and registry,
# a pod its deployment); ``2``-suffixed groups are second spellings of the same kind.
_YIELDS = [frozenset(g.rstrip("2") for g in rx.groupindex) | ({"tag", "registry"} if "image" in rx.groupindex else set())
           | ({"deployment"} if "pod" in rx.groupindex else set()) for rx in _COMPILED]
_WILDCARDS = frozenset({"0.0.0.0", "::", "[::]", "*"})
_SHELL_SAFE = re.compile(r"[\w@%+=:,./-]+")
_RANDOM = re.compile(r"[A-Za-z0-9+/=_-]{24,}")


def looks_secret(value: str) -> bool:
    """True for what must never be filled into a command: anything ``redact`` hides, or a long random string.

    >>> looks_secret("ledger-api-7d9f8b6c5-x2x8q"), looks_secret("wJalrXUtnFEMI7K7MDENGbPxRfiCYEXAMPLEKEY")
    (False, True)
    """
    if REDACTED in value or redact(value) != value:
        return True
    return bool(_RANDOM.fullmatch(value)) and any(c.isupper() for c in value) and any(c.islower() for c in value) \
        and any(c.isdigit() for c in value) and _entropy(value) >= 3.5


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def _acceptable(kind: str, value: str) -> bool:
    if not value or len(value) > 253 or value.startswith("-") or any(ord(c) < 32 for c in value):
        return False
    if kind == "port":
        return 0 < int(value) <= 65535
    if kind == "host" and value in _WILDCARDS:
        return False  # a listen-on-everything address is not a host anyone can reach
    return not looks_secret(value)


def _derived(kind: str, value: str) -> dict[str, str]:
    """The values one value implies: an image's tag and registry, a generated pod name's deployment."""
    out = {kind: value}
    if kind == "image":
        ref = value.split("@", 1)[0]
        first, _, rest = ref.partition("/")
        last = ref.rsplit("/", 1)[-1]
        if ":" in last:
            out["tag"] = last.split(":", 1)[1]
        if rest and ("." in first or ":" in first or first == "localhost"):
            out["registry"] = first
    elif kind == "pod" and (m := re.fullmatch(r"(.+)-[a-z0-9]{8,10}-[a-z0-9]{5}", value)) and re.search(r"\d", value):
        out["deployment"] = m[1]
    return out


def extract_entities(lines: Sequence[str], kinds: Iterable[str] | None = None) -> dict[str, str]:
    """The first value of each wanted kind (default: all ``KINDS``) the lines name, in line order; never a secret."""
    wanted = set(KINDS if kinds is None else kinds) & set(KINDS)
    found: dict[str, str] = {}
    rules = [(rx, yields & wanted, guard) for rx, yields, guard in zip(_COMPILED, _YIELDS, _GUARDS) if yields & wanted]
    for line in lines:
        if len(found) == len(wanted):
            break
        raw = line[:2000]
        lowered = raw.lower()
        text = None  # redacted once a rule matches: values are only ever read from the redacted line
        for regex, yields, guard in rules:
            if (guard is not None and not any(g in lowered for g in guard)) or not yields.difference(found):
                continue
            if regex.search(raw) is None:
                continue
            text = redact(raw) if text is None else text
            match = regex.search(text)
            if match is None:
                continue
            for group, value in match.groupdict().items():
                kind = group.rstrip("2")
                if value is None or kind in found or not _acceptable(kind, value := value.strip()):
                    continue
                for derived_kind, derived in _derived(kind, value).items():
                    if derived_kind in wanted and derived_kind not in found and _acceptable(derived_kind, derived):
                        found[derived_kind] = derived
    return found


def shell_safe(value: str) -> bool:
    """True when the value needs no quoting anywhere in a shell command (``shlex.quote`` would return it as is)."""
    return bool(_SHELL_SAFE.fullmatch(value))
