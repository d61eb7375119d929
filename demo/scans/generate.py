#!/usr/bin/env python3
"""Regenerates the hand-made SARIF files in this directory from the demo sources.

These are for tools that cannot run here (no network, no container runtime,
not Go-installable: Semgrep, CodeQL, Trivy, Grype, Checkov, Dockle, ESLint).
The files are shaped like the output of the real tools: same drivers, rule
layouts, property bags, URI styles (relative, %SRCROOT%, ROOTPATH with an
absolute CI path, file:// URIs). Regions are computed from the demo sources
so they point at the real lines; rerun after editing a source file:

    python3 demo/scans/generate.py

gosec.sarif, gitleaks.sarif and staticcheck.sarif are real scan results:
demo/scans/generate-real.sh produces them with `secui scan` and the pinned
scanners.
"""
import json
import os
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CI_ROOT = "/home/runner/work/payments/payments/"
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def src(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read().split("\n")


def find(path, needle, nth=1):
    """1-based (line, startColumn, endColumn) of the nth occurrence of needle."""
    seen = 0
    for i, line in enumerate(src(path)):
        col = line.find(needle)
        if col >= 0:
            seen += 1
            if seen == nth:
                return i + 1, col + 1, col + 1 + len(needle)
    raise SystemExit(f"{path}: {needle!r} not found")


def line_text(path, n):
    return src(path)[n - 1]


def block(path, start_needle):
    """Line range of a Terraform block starting at the line holding start_needle."""
    lines = src(path)
    s, _, _ = find(path, start_needle)
    depth = 0
    for i in range(s - 1, len(lines)):
        depth += lines[i].count("{") - lines[i].count("}")
        if depth == 0 and i > s - 1 or (depth == 0 and "}" in lines[i]):
            return s, i + 1
    return s, len(lines)


def line_hashes(path):
    """GitHub codeql-action primaryLocationLineHash for every line."""
    data = open(os.path.join(ROOT, path), encoding="utf-8").read()
    mask = (1 << 64) - 1
    block_n = 100
    window = [0] * block_n
    line_nums = [-1] * block_n
    first_mod = pow(37, block_n, 1 << 64)
    st = {"h": 0, "i": 0, "line": 0, "start": True}
    counts, out = {}, {}

    def output():
        h = st["h"]
        counts[h] = counts.get(h, 0) + 1
        out[line_nums[st["i"]]] = "%x:%d" % (h, counts[h])
        line_nums[st["i"]] = -1

    def update(cur):
        begin = window[st["i"]]
        window[st["i"]] = cur
        st["h"] = (37 * st["h"] + cur - first_mod * begin) & mask
        st["i"] = (st["i"] + 1) % block_n

    prev_cr = False
    for ch in data:
        cur = ord(ch)
        if cur in (32, 9) or (prev_cr and cur == 10):
            prev_cr = False
            continue
        if cur == 13:
            cur, prev_cr = 10, True
        else:
            prev_cr = False
        if line_nums[st["i"]] != -1:
            output()
        if st["start"]:
            st["start"] = False
            st["line"] += 1
            line_nums[st["i"]] = st["line"]
        if cur == 10:
            st["start"] = True
        update(cur)
    for _ in range(block_n):
        if line_nums[st["i"]] != -1:
            output()
        update(0)
    return out


def guid(name):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "secui-demo/" + name))


def write(name, doc):
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


def sarif(*runs):
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": list(runs)}


def region(path, needle, nth=1, snippet=False, whole_line=False):
    ln, sc, ec = find(path, needle, nth)
    if whole_line:
        text = line_text(path, ln)
        sc, ec = len(text) - len(text.lstrip()) + 1, len(text) + 1
    r = {"startLine": ln, "startColumn": sc, "endLine": ln, "endColumn": ec}
    if snippet:
        r["snippet"] = {"text": line_text(path, ln)}
    return r


# ------------------------------------------------------------------- semgrep
def semgrep():
    P = "app/views.py"
    J = "web/src/render.js"
    rules = [
        {
            "id": "python.lang.security.audit.subprocess-shell-true.subprocess-shell-true",
            "cwe": "CWE-78: Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')",
            "owasp": ["A01:2017 - Injection", "A03:2021 - Injection"],
            "msg": "Found 'subprocess' function 'call' with 'shell=True'. This is dangerous because this call will spawn the command using a shell process. Doing so propagates current shell settings and variables, which makes it much easier for a malicious actor to execute commands. Use 'shell=False' instead.",
            "level": "error", "conf": "HIGH CONFIDENCE",
            "help": "https://sg.run/J92w",
            "path": P, "needle": 'subprocess.call("acme-export --format " + fmt, shell=True)',
            "fix": ('shell=True', 'shell=False'),
        },
        {
            "id": "python.lang.security.deserialization.avoid-pyyaml-load.avoid-pyyaml-load",
            "cwe": "CWE-502: Deserialization of Untrusted Data",
            "owasp": ["A08:2017 - Insecure Deserialization", "A08:2021 - Software and Data Integrity Failures"],
            "msg": "Detected a possible YAML deserialization vulnerability. `yaml.unsafe_load`, `yaml.Loader`, `yaml.CLoader`, and `yaml.UnsafeLoader` are all known to be unsafe methods of deserializing YAML. An attacker with control over the YAML input could create special YAML input that allows the attacker to run arbitrary Python code. This would allow the attacker to steal files, download and install malware, or otherwise take over the machine. Use `yaml.safe_load` or `yaml.SafeLoader` instead.",
            "level": "error", "conf": "MEDIUM CONFIDENCE",
            "help": "https://sg.run/we0B",
            "path": P, "needle": "yaml.load(request.data)",
            "fix": ("yaml.load(request.data)", "yaml.safe_load(request.data)"),
        },
        {
            "id": "python.flask.security.audit.render-template-string.render-template-string",
            "cwe": "CWE-96: Improper Neutralization of Directives in Statically Saved Code ('Static Code Injection')",
            "owasp": ["A03:2021 - Injection"],
            "msg": "Found a template created with string formatting. This is susceptible to server-side template injection and cross-site scripting attacks.",
            "level": "warning", "conf": "LOW CONFIDENCE",
            "help": "https://sg.run/8yjE",
            "path": P, "needle": 'render_template_string("<h1>Hello " + name + "</h1>")',
        },
        {
            "id": "python.flask.security.audit.app-run-param-config.avoid_app_run_with_bad_host",
            "cwe": "CWE-668: Exposure of Resource to Wrong Sphere",
            "owasp": ["A01:2021 - Broken Access Control"],
            "msg": "Running flask app with host 0.0.0.0 could expose the server publicly.",
            "level": "warning", "conf": "LOW CONFIDENCE",
            "help": "https://sg.run/eLby",
            "path": P, "needle": 'app.run(host="0.0.0.0", debug=True)',
        },
        {
            "id": "javascript.browser.security.insecure-document-method.insecure-document-method",
            "cwe": "CWE-79: Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')",
            "owasp": ["A07:2017 - Cross-Site Scripting (XSS)", "A03:2021 - Injection"],
            "msg": "User controlled data in methods like `innerHTML`, `outerHTML` or `document.write` is an anti-pattern that can lead to XSS vulnerabilities",
            "level": "error", "conf": "LOW CONFIDENCE",
            "help": "https://sg.run/LwA9",
            "path": J, "needle": 'el.innerHTML = "<h2>Welcome back, " + name + "!</h2>";',
        },
    ]
    out_rules, res = [], []
    for i, r in enumerate(rules):
        tags = [r["cwe"], r["conf"]] + ["OWASP-" + o for o in r["owasp"]] + ["security"]
        out_rules.append({
            "id": r["id"], "name": r["id"],
            "shortDescription": {"text": "Semgrep Finding: " + r["id"]},
            "fullDescription": {"text": r["msg"]},
            "defaultConfiguration": {"level": r["level"]},
            "help": {
                "text": r["msg"],
                "markdown": r["msg"] + "\n\n<b>References:</b>\n - [Semgrep Rule](" + r["help"] + ")\n",
            },
            "helpUri": r["help"],
            "properties": {"precision": "very-high", "tags": tags},
        })
        reg = region(r["path"], r["needle"])
        reg["snippet"] = {"text": r["needle"]}
        result = {
            "ruleId": r["id"],
            "message": {"text": r["msg"]},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": r["path"], "uriBaseId": "%SRCROOT%"},
                "region": reg}}],
            "fingerprints": {"matchBasedId/v1": uuid.uuid5(uuid.NAMESPACE_OID, r["id"] + r["needle"]).hex * 2},
            "properties": {},
        }
        if "fix" in r:
            old, new = r["fix"]
            ln, sc, ec = find(r["path"], old)
            result["fixes"] = [{
                "description": {"text": r["msg"].split(".")[0] + "\n Autofix: Semgrep rule suggested fix"},
                "artifactChanges": [{
                    "artifactLocation": {"uri": r["path"]},
                    "replacements": [{
                        "deletedRegion": {"startLine": ln, "startColumn": sc, "endLine": ln, "endColumn": ec},
                        "insertedContent": {"text": new},
                    }],
                }],
            }]
        res.append(result)
    run = {
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": []}],
        "results": res,
        "tool": {"driver": {"name": "Semgrep OSS", "semanticVersion": "1.95.0", "rules": out_rules}},
    }
    write("semgrep.sarif", sarif(run))


# -------------------------------------------------------------------- CodeQL
def codeql():
    P = "app/views.py"
    hashes = line_hashes(P)

    def loc(needle, idx, msg=None, nth=1):
        ln, sc, ec = find(P, needle, nth)
        l = {"physicalLocation": {
            "artifactLocation": {"uri": P, "uriBaseId": "%SRCROOT%", "index": idx},
            "region": {"startLine": ln, "startColumn": sc, "endColumn": ec}}}
        if msg:
            l["message"] = {"text": msg}
        return l

    def step(needle, msg, nth=1):
        return {"location": loc(needle, 0, msg, nth)}

    rules = [
        {
            "id": "py/sql-injection", "name": "py/sql-injection",
            "shortDescription": {"text": "SQL query built from user-controlled sources"},
            "fullDescription": {"text": "Building a SQL query from user-controlled sources is vulnerable to insertion of malicious SQL code by the user."},
            "defaultConfiguration": {"enabled": True, "level": "error"},
            "help": {
                "text": "# SQL query built from user-controlled sources\nIf a database query (such as a SQL or NoSQL query) is built from user-provided data without sufficient sanitization, a user may be able to run malicious database queries.\n\n## Recommendation\nMost database connector libraries offer a way of safely embedding untrusted data into a query by means of query parameters or prepared statements.\n",
                "markdown": "# SQL query built from user-controlled sources\nIf a database query (such as a SQL or NoSQL query) is built from user-provided data without sufficient sanitization, a user may be able to run malicious database queries.\n\n\n## Recommendation\nMost database connector libraries offer a way of safely embedding untrusted data into a query by means of query parameters or prepared statements.\n\n\n## Example\nIn the following snippet, a user is fetched from the database using raw SQL:\n\n```python\ncursor.execute(\"SELECT * FROM users WHERE username = '%s'\" % username)\n```\nUse a parameterized query instead:\n\n```python\ncursor.execute(\"SELECT * FROM users WHERE username = %s\", (username,))\n```\n\n## References\n* Wikipedia: [SQL injection](https://en.wikipedia.org/wiki/SQL_injection).\n* OWASP: [SQL Injection Prevention Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/SQL_Injection_Prevention_Cheat_Sheet.html).\n* Common Weakness Enumeration: [CWE-89](https://cwe.mitre.org/data/definitions/89.html).\n",
            },
            "properties": {
                "tags": ["security", "external/cwe/cwe-089"],
                "description": "Building a SQL query from user-controlled sources is vulnerable to insertion of malicious SQL code by the user.",
                "id": "py/sql-injection", "kind": "path-problem", "name": "SQL query built from user-controlled sources",
                "precision": "high", "problem.severity": "error", "security-severity": "8.8",
            },
        },
        {
            "id": "py/command-line-injection", "name": "py/command-line-injection",
            "shortDescription": {"text": "Uncontrolled command line"},
            "fullDescription": {"text": "Using externally controlled strings in a command line may allow a malicious user to change the meaning of the command."},
            "defaultConfiguration": {"enabled": True, "level": "error"},
            "help": {
                "text": "# Uncontrolled command line\nCode that passes user input directly to `exec`, `eval`, or some other library routine that executes a command, allows the user to execute malicious code.\n",
                "markdown": "# Uncontrolled command line\nCode that passes user input directly to `exec`, `eval`, or some other library routine that executes a command, allows the user to execute malicious code.\n\n\n## Recommendation\nIf possible, use hard-coded string literals to specify the command to run or library to load. Instead of passing the user input directly to the process or library function, examine the user input and then choose among hard-coded string literals.\n\n## References\n* OWASP: [Command Injection](https://www.owasp.org/index.php/Command_Injection).\n* Common Weakness Enumeration: [CWE-78](https://cwe.mitre.org/data/definitions/78.html).\n* Common Weakness Enumeration: [CWE-88](https://cwe.mitre.org/data/definitions/88.html).\n",
            },
            "properties": {
                "tags": ["correctness", "security", "external/cwe/cwe-078", "external/cwe/cwe-088"],
                "description": "Using externally controlled strings in a command line may allow a malicious user to change the meaning of the command.",
                "id": "py/command-line-injection", "kind": "path-problem", "name": "Uncontrolled command line",
                "precision": "high", "problem.severity": "error", "security-severity": "9.8",
            },
        },
        {
            "id": "py/flask-debug", "name": "py/flask-debug",
            "shortDescription": {"text": "Flask app is run in debug mode"},
            "fullDescription": {"text": "Running a Flask app in debug mode may allow an attacker to run arbitrary code through the Werkzeug debugger."},
            "defaultConfiguration": {"enabled": True, "level": "error"},
            "help": {
                "text": "# Flask app is run in debug mode\nRunning a Flask application with debug mode enabled may allow an attacker to gain access through the Werkzeug debugger.\n",
                "markdown": "# Flask app is run in debug mode\nRunning a Flask application with debug mode enabled may allow an attacker to gain access through the Werkzeug debugger.\n\n\n## Recommendation\nEnsure that Flask applications that are run in a production environment have debugging disabled.\n\n## References\n* Flask Quickstart Documentation: [Debug Mode](http://flask.pocoo.org/docs/1.0/quickstart/#debug-mode).\n* Common Weakness Enumeration: [CWE-215](https://cwe.mitre.org/data/definitions/215.html).\n* Common Weakness Enumeration: [CWE-489](https://cwe.mitre.org/data/definitions/489.html).\n",
            },
            "properties": {
                "tags": ["security", "maintainability", "external/cwe/cwe-215", "external/cwe/cwe-489"],
                "description": "Running a Flask app in debug mode may allow an attacker to run arbitrary code through the Werkzeug debugger.",
                "id": "py/flask-debug", "kind": "problem", "name": "Flask app is run in debug mode",
                "precision": "high", "problem.severity": "error", "security-severity": "7.5",
            },
        },
    ]

    def result(ri, msg, primary, related, flow=None):
        ln = primary["physicalLocation"]["region"]["startLine"]
        sc = primary["physicalLocation"]["region"]["startColumn"]
        r = {
            "ruleId": rules[ri]["id"], "ruleIndex": ri,
            "rule": {"id": rules[ri]["id"], "index": ri, "toolComponent": {"index": 0}},
            "message": {"text": msg},
            "locations": [primary],
            "partialFingerprints": {
                "primaryLocationLineHash": hashes[ln],
                "primaryLocationStartColumnFingerprint": str(sc - 1 - (len(line_text(P, ln)) - len(line_text(P, ln).lstrip()))),
            },
        }
        if flow:
            r["codeFlows"] = [{"threadFlows": [{"locations": flow}]}]
        if related:
            r["relatedLocations"] = related
        return r

    src1 = loc('request.args.get("customer", "")', 0, "user-provided value")
    src1["id"] = 1
    sql_flow = [
        step('request.args', "ControlFlowNode for Attribute", nth=1),
        step('request.args.get("customer", "")', "ControlFlowNode for Attribute()"),
        step('customer', "ControlFlowNode for customer", nth=1),
        step('"customer = \'" + customer + "\' AND status = \'" + status + "\'"', "ControlFlowNode for BinaryExpr"),
        step('"SELECT id, amount, due FROM invoices WHERE " + where', "ControlFlowNode for BinaryExpr"),
        step("query)", "ControlFlowNode for query"),
    ]
    sql_flow[-1]["location"]["physicalLocation"]["region"]["endColumn"] -= 1
    sql_primary = loc("query)", 0)
    sql_primary["physicalLocation"]["region"]["endColumn"] -= 1

    src2 = loc('request.form', 0, "user-provided value")
    src2["id"] = 1
    cmd_flow = [
        step('request.form', "ControlFlowNode for Attribute"),
        step('request.form.get("format", "csv")', "ControlFlowNode for Attribute()"),
        step('fmt', "ControlFlowNode for fmt", nth=1),
        step('"acme-export --format " + fmt', "ControlFlowNode for BinaryExpr"),
    ]
    res = [
        result(0, "This SQL query depends on a [user-provided value](1).", sql_primary, [src1], sql_flow),
        result(1, "This command line depends on a [user-provided value](1).",
               loc('"acme-export --format " + fmt', 0), [src2], cmd_flow),
        result(2, "A Flask app appears to be run in debug mode. This may allow an attacker to run arbitrary code through the debugger.",
               loc('app.run(host="0.0.0.0", debug=True)', 0), None),
    ]
    run = {
        "tool": {
            "driver": {
                "name": "CodeQL", "organization": "GitHub", "semanticVersion": "2.19.3",
                "notifications": [], "rules": [],
            },
            "extensions": [{
                "name": "codeql/python-queries", "semanticVersion": "1.3.2+a8a5ba3b1c0e6b6a3e4a9a4d4d8b2c6f1a0e5b1d",
                "notifications": [], "rules": rules,
                "locations": [{"uri": "file:///opt/hostedtoolcache/CodeQL/2.19.3/x64/codeql/qlpacks/codeql/python-queries/1.3.2/",
                               "description": {"text": "The QL pack root directory."}}],
                "properties": {"isCodeQLQueryPack": True},
            }],
        },
        "invocations": [{"toolExecutionNotifications": [], "executionSuccessful": True}],
        "artifacts": [{"location": {"uri": P, "uriBaseId": "%SRCROOT%", "index": 0}}],
        "results": res,
        "automationDetails": {"id": "/language:python/"},
        "columnKind": "unicodeCodePoints",
        "properties": {"semmle.formatSpecifier": "sarif-latest"},
        "versionControlProvenance": [{"repositoryUri": "https://github.com/acme/payments", "revisionId": "4f1d2c0b9e7a6d5c4b3a29180f7e6d5c4b3a2918", "branch": "refs/heads/main"}],
    }
    write("codeql-python.sarif", sarif(run))


# --------------------------------------------------------------------- Trivy
TRIVY_VULNS = [
    # (cve, pkg, installed, fixed, severity, score, title, file, needle, nth)
    ("CVE-2021-44906", "minimist", "1.2.5", "1.2.6, 0.2.4", "CRITICAL", "9.8",
     "minimist: prototype pollution", "web/package-lock.json", '"node_modules/minimist"', 1),
    ("CVE-2020-8203", "lodash", "4.17.15", "4.17.19", "HIGH", "7.4",
     "nodejs-lodash: prototype pollution in zipObjectDeep function", "web/package-lock.json", '"node_modules/lodash"', 1),
    ("CVE-2021-23337", "lodash", "4.17.15", "4.17.21", "HIGH", "7.2",
     "nodejs-lodash: command injection via template", "web/package-lock.json", '"node_modules/lodash"', 1),
    ("CVE-2020-26160", "github.com/dgrijalva/jwt-go", "3.2.0+incompatible", "", "HIGH", "7.5",
     "jwt-go: access restriction bypass vulnerability", "go.mod", "github.com/dgrijalva/jwt-go", 1),
    ("CVE-2023-45288", "golang.org/x/net", "0.17.0", "0.23.0", "MEDIUM", "5.3",
     "golang: net/http, x/net/http2: unlimited number of CONTINUATION frames causes DoS", "go.mod", "golang.org/x/net", 1),
    ("CVE-2020-14343", "PyYAML", "5.3.1", "5.4", "CRITICAL", "9.8",
     "PyYAML: incomplete fix for CVE-2020-1747", "app/requirements.txt", "PyYAML==5.3.1", 1),
    ("CVE-2023-32681", "requests", "2.25.1", "2.31.0", "MEDIUM", "6.1",
     "python-requests: Unintended leak of Proxy-Authorization header", "app/requirements.txt", "requests==2.25.1", 1),
]

TRIVY_IMAGE_VULNS = [
    ("CVE-2023-38545", "curl", "7.64.0-4+deb10u6", "7.64.0-4+deb10u7", "CRITICAL", "9.8",
     "curl: heap based buffer overflow in the SOCKS5 proxy handshake"),
    ("CVE-2022-37434", "zlib1g", "1:1.2.11.dfsg-1+deb10u1", "1:1.2.11.dfsg-1+deb10u2", "CRITICAL", "9.8",
     "zlib: heap-based buffer over-read and overflow in inflate() in inflate.c via a large gzip header extra field"),
    ("CVE-2023-4911", "libc6", "2.28-10+deb10u2", "2.28-10+deb10u3", "HIGH", "7.8",
     "glibc: buffer overflow in ld.so leading to privilege escalation"),
    ("CVE-2023-29491", "libncursesw6", "6.1+20181013-2+deb10u3", "6.1+20181013-2+deb10u4", "HIGH", "7.8",
     "ncurses: Local users can trigger security-relevant memory corruption via malformed data"),
]

LEVEL = {"CRITICAL": "error", "HIGH": "error", "MEDIUM": "warning", "LOW": "note", "UNKNOWN": "note"}


def trivy_rule(cve, pkg, fixed, sev, score, title, name):
    link = "[%s](https://avd.aquasec.com/nvd/%s)" % (cve, cve.lower())
    return {
        "id": cve, "name": name,
        "shortDescription": {"text": title},
        "fullDescription": {"text": title + "."},
        "defaultConfiguration": {"level": LEVEL[sev]},
        "helpUri": "https://avd.aquasec.com/nvd/" + cve.lower(),
        "help": {
            "text": "Vulnerability %s\nSeverity: %s\nPackage: %s\nFixed Version: %s\nLink: %s\n%s." % (cve, sev, pkg, fixed, link, title),
            "markdown": "**Vulnerability %s**\n| Severity | Package | Fixed Version | Link |\n| --- | --- | --- | --- |\n|%s|%s|%s|%s|\n\n%s." % (cve, sev, pkg, fixed, link, title),
        },
        "properties": {"precision": "very-high", "security-severity": score, "tags": ["vulnerability", "security", sev]},
    }


def trivy_msg(cve, pkg, inst, fixed, sev):
    return "Package: %s\nInstalled Version: %s\nVulnerability %s\nSeverity: %s\nFixed Version: %s\nLink: [%s](https://avd.aquasec.com/nvd/%s)" % (
        pkg, inst, cve, sev, fixed, cve, cve.lower())


def trivy_fs():
    rules, res = [], []
    for cve, pkg, inst, fixed, sev, score, title, path, needle, nth in TRIVY_VULNS:
        if not any(r["id"] == cve for r in rules):
            rules.append(trivy_rule(cve, pkg, fixed, sev, score, title, "LanguageSpecificPackageVulnerability"))
        ri = [r["id"] for r in rules].index(cve)
        ln, _, _ = find(path, needle, nth)
        end = ln
        if path.endswith("package-lock.json"):
            lines = src(path)
            while end < len(lines) and not lines[end - 1].strip().startswith("}"):
                end += 1
        res.append({
            "ruleId": cve, "ruleIndex": ri, "level": LEVEL[sev],
            "message": {"text": trivy_msg(cve, pkg, inst, fixed, sev)},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": path, "uriBaseId": "ROOTPATH"},
                    "region": {"startLine": ln, "startColumn": 1, "endLine": end, "endColumn": 1}},
                "message": {"text": "%s: %s@%s" % (path, pkg, inst)},
            }],
        })
    run = {
        "tool": {"driver": {"fullName": "Trivy Vulnerability Scanner", "informationUri": "https://github.com/aquasecurity/trivy",
                            "name": "Trivy", "rules": rules, "version": "0.57.1"}},
        "results": res,
        "columnKind": "utf16CodeUnits",
        "originalUriBaseIds": {"ROOTPATH": {"uri": "file://" + CI_ROOT}},
    }
    write("trivy-fs.sarif", sarif(run))


def trivy_image():
    image = "ghcr.io/acme/payments:1.4.2"
    rules, res = [], []
    for i, (cve, pkg, inst, fixed, sev, score, title) in enumerate(TRIVY_IMAGE_VULNS):
        rules.append(trivy_rule(cve, pkg, fixed, sev, score, title, "OsPackageVulnerability"))
        res.append({
            "ruleId": cve, "ruleIndex": i, "level": LEVEL[sev],
            "message": {"text": trivy_msg(cve, pkg, inst, fixed, sev)},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": image, "uriBaseId": "ROOTPATH"},
                    "region": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1}},
                "message": {"text": "%s (debian 10.13): %s@%s" % (image, pkg, inst)},
            }],
        })
    run = {
        "tool": {"driver": {"fullName": "Trivy Vulnerability Scanner", "informationUri": "https://github.com/aquasecurity/trivy",
                            "name": "Trivy", "rules": rules, "version": "0.57.1"}},
        "results": res,
        "columnKind": "utf16CodeUnits",
        "originalUriBaseIds": {"ROOTPATH": {"uri": "file:///"}},
        "properties": {
            "imageName": image,
            "repoTags": [image],
            "repoDigests": ["ghcr.io/acme/payments@sha256:9c1f0a6d5e3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f"],
            "imageID": "sha256:3e1b8f5c6d7a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c",
        },
    }
    write("trivy-image.sarif", sarif(run))


# --------------------------------------------------------------------- Grype
def grype():
    pick = [v for v in TRIVY_VULNS if v[0] in ("CVE-2021-44906", "CVE-2020-8203")]
    rules, res = [], []
    for cve, pkg, inst, fixed, sev, score, title, path, needle, nth in pick:
        rid = "%s-%s" % (cve, pkg)
        s = sev.lower()
        fix = fixed.split(",")[0]
        rules.append({
            "id": rid, "name": "NpmMatcherExactDirectMatch",
            "shortDescription": {"text": "%s %s vulnerability for %s package" % (cve, s, pkg)},
            "fullDescription": {"text": title},
            "helpUri": "https://github.com/anchore/grype",
            "help": {
                "text": "Vulnerability %s\nSeverity: %s\nPackage: %s\nVersion: %s\nFix Version: %s\nType: npm\nLocation: /%s\nData Namespace: github:language:javascript\nLink: [%s](https://github.com/advisories/%s)" % (cve, s, pkg, inst, fix, path, cve, cve),
                "markdown": "**Vulnerability %s**\n| Severity | Package | Version | Fix Version | Type | Location | Data Namespace | Link |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n| %s  | %s  | %s  | %s  | npm  | /%s  | github:language:javascript  | [%s](https://github.com/advisories/%s)  |\n" % (cve, s, pkg, inst, fix, path, cve, cve),
            },
            "properties": {"security-severity": score},
        })
        res.append({
            "ruleId": rid,
            "message": {"text": "A %s vulnerability in npm package: %s, version %s was found at: /%s" % (s, pkg, inst, path)},
            "locations": [{
                "physicalLocation": {"artifactLocation": {"uri": path},
                                     "region": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1}},
                "logicalLocations": [{"name": "/" + path, "fullyQualifiedName": "/" + path}],
            }],
        })
    run = {"tool": {"driver": {"name": "grype", "version": "0.84.0",
                               "informationUri": "https://github.com/anchore/grype", "rules": rules}},
           "results": res}
    write("grype.sarif", sarif(run))


# ------------------------------------------------------------------- Checkov
def checkov():
    T = "infra/main.tf"
    D = "Dockerfile"
    checks = [
        ("CKV_AWS_20", "S3 Bucket has an ACL defined which allows public READ access.", "error",
         T, 'resource "aws_s3_bucket_acl" "reports"', "https://docs.prismacloud.io/en/enterprise-edition/policy-reference/aws-policies/s3-policies/s3-1-acl-read-permissions-everyone"),
        ("CKV_AWS_18", "Ensure the S3 bucket has access logging enabled", "note",
         T, 'resource "aws_s3_bucket" "reports"', "https://docs.prismacloud.io/en/enterprise-edition/policy-reference/aws-policies/s3-policies/s3-13-enable-logging"),
        ("CKV_AWS_24", "Ensure no security groups allow ingress from 0.0.0.0:0 to port 22", "error",
         T, 'resource "aws_security_group" "api"', "https://docs.prismacloud.io/en/enterprise-edition/policy-reference/aws-policies/aws-networking-policies/networking-1-port-security"),
        ("CKV_AWS_16", "Ensure all data stored in the RDS is securely encrypted at rest", "error",
         T, 'resource "aws_db_instance" "payments"', "https://docs.prismacloud.io/en/enterprise-edition/policy-reference/aws-policies/aws-general-policies/general-4"),
        ("CKV_AWS_17", "Ensure all data stored in RDS is not publicly accessible", "error",
         T, 'resource "aws_db_instance" "payments"', "https://docs.prismacloud.io/en/enterprise-edition/policy-reference/aws-policies/public-policies/public-2"),
        ("CKV_DOCKER_3", "Ensure that a user for the container has been created", "warning",
         D, None, "https://docs.prismacloud.io/en/enterprise-edition/policy-reference/docker-policies/docker-policy-index/ensure-that-a-user-for-the-container-has-been-created"),
        ("CKV_DOCKER_2", "Ensure that HEALTHCHECK instructions have been added to container images", "note",
         D, None, "https://docs.prismacloud.io/en/enterprise-edition/policy-reference/docker-policies/docker-policy-index/ensure-that-healthcheck-instructions-have-been-added-to-container-images"),
    ]
    rules, res = [], []
    for rid, name, level, path, start, url in checks:
        rules.append({"id": rid, "name": name, "shortDescription": {"text": name},
                      "fullDescription": {"text": name}, "help": {"text": name + "\nResource: " + (start or path)},
                      "defaultConfiguration": {"level": "error"}, "helpUri": url})
        if start:
            s, e = block(path, start)
        else:
            lines = src(path)
            while lines and lines[-1] == "":
                lines.pop()
            s, e = 1, len(lines)
        snippet = "\n".join(src(path)[s - 1:e]) + "\n"
        res.append({
            "ruleId": rid, "ruleIndex": len(rules) - 1, "level": level, "attachments": [],
            "message": {"text": name},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": path},
                                                "region": {"startLine": s, "endLine": e, "snippet": {"text": snippet}}}}],
        })
    run = {"tool": {"driver": {"name": "Checkov", "version": "3.2.334", "informationUri": "https://checkov.io",
                               "rules": rules, "organization": "bridgecrew"}},
           "results": res}
    write("checkov.sarif", sarif(run))


# -------------------------------------------------------------------- Dockle
def dockle():
    checks = [
        ("CIS-DI-0010", "Do not store credential in ENVIRONMENT vars/files", "error",
         "Suspicious ENV key found : AWS_SECRET_ACCESS_KEY on ENV AWS_SECRET_ACCESS_KEY=changeme (You can suppress it with --accept-key)"),
        ("CIS-DI-0001", "Create a user for the container", "warning", "Last user should not be root"),
        ("CIS-DI-0006", "Add HEALTHCHECK instruction to the container image", "note", "not found HEALTHCHECK statement"),
        ("DKL-DI-0006", "Avoid latest tag", "note", "Avoid 'latest' tag"),
    ]
    rules = [{"id": c[0], "shortDescription": {"text": c[1]},
              "help": {"text": "https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#" + c[0]}} for c in checks]
    res = [{"ruleId": c[0], "level": c[2], "message": {"text": c[3]}} for c in checks]
    run = {"tool": {"driver": {"name": "Dockle", "informationUri": "https://github.com/goodwithtech/dockle", "rules": rules}},
           "results": res}
    write("dockle.sarif", sarif(run))


# -------------------------------------------------------------------- ESLint
def eslint():
    J = "web/src/render.js"
    uri = "file://" + CI_ROOT + J
    rules = [
        {"id": "no-unsanitized/property", "shortDescription": {"text": "ESLint rule to disallow unsanitized property assignment"},
         "helpUri": "https://github.com/mozilla/eslint-plugin-no-unsanitized/blob/main/docs/rules/property.md",
         "properties": {"category": "possible-errors"}},
        {"id": "no-eval", "shortDescription": {"text": "Disallow the use of `eval()`"},
         "helpUri": "https://eslint.org/docs/latest/rules/no-eval", "properties": {"category": "Best Practices"}},
        {"id": "no-implied-eval", "shortDescription": {"text": "Disallow the use of `eval()`-like methods"},
         "helpUri": "https://eslint.org/docs/latest/rules/no-implied-eval", "properties": {"category": "Best Practices"}},
    ]
    found = [
        (0, "error", "Unsafe assignment to innerHTML", 'el.innerHTML = "<h2>Welcome back, " + name + "!</h2>";'),
        (1, "error", "`eval` can be harmful.", "eval(expr)"),
    ]
    res = []
    for ri, level, msg, needle in found:
        ln, sc, ec = find(J, needle)
        res.append({
            "level": level, "message": {"text": msg},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri, "index": 0},
                                                "region": {"startLine": ln, "startColumn": sc, "endLine": ln, "endColumn": ec}}}],
            "ruleId": rules[ri]["id"], "ruleIndex": ri,
        })
    run = {"tool": {"driver": {"name": "ESLint", "informationUri": "https://eslint.org", "rules": rules, "version": "8.57.0"}},
           "artifacts": [{"location": {"uri": uri}}],
           "results": res,
           "suppressed": None}
    del run["suppressed"]
    write("eslint.sarif", sarif(run))


if __name__ == "__main__":
    semgrep()
    codeql()
    trivy_fs()
    trivy_image()
    grype()
    checkov()
    dockle()
    eslint()
