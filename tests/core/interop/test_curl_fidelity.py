"""The same command sent by the real curl binary and by reqscope (imported with
request_from_curl, sent with the Engine) must reach a recording server as the same request:
method, path, raw query, body bytes (multipart: each part's name, filename, content and explicit
type), and every header the command sets."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from echo_server import EchoServer, RecordedRequest, running_echo_server

from reqscope.core.engine import Engine
from reqscope.core.interop.curl import request_from_curl
from reqscope.core.model import AuthKind, BodyKind
from reqscope.core.templating import expand_request

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="no curl binary")

CHROME_GET = (
    "curl '{url}/api/v1/me?fields=a,b&x=%2F' "
    "-H 'accept: application/json, text/plain, */*' "
    "-H 'accept-language: en-GB,en;q=0.9' "
    "-H 'cache-control: no-cache' "
    "-b 'sid=abc123; csrftoken=tok; theme=dark' "
    "-H 'origin: https://app.example.com' "
    "-H 'referer: https://app.example.com/' "
    """-H 'sec-ch-ua: "Chromium";v="124", "Google Chrome";v="124"' """
    "-H 'sec-fetch-mode: cors' "
    "-H 'user-agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36' "
    "--compressed"
)
CHROME_POST = (
    "curl '{url}/graphql' \\\n"
    "  -H 'accept: */*' \\\n"
    "  -H 'content-type: application/json' \\\n"
    "  -b 'session=s%3Aabc.def' \\\n"
    "  -H 'x-csrf-token: 9f8e7d' \\\n"
    """  --data-raw '{{"query":"query {{ me {{ id }} }}","variables":{{}}}}' \\\n"""
    "  --compressed"
)
CHROME_FORM = (
    "curl '{url}/login' -H 'content-type: application/x-www-form-urlencoded' "
    "--data-raw 'user=ana&pass=p%40ss+word&next=%2Fhome'"
)
FIREFOX_POST = (
    "curl '{url}/api/search' -X POST "
    "-H 'User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0' "
    "-H 'Accept: */*' -H 'Accept-Language: en-US,en;q=0.5' "
    "-H 'Accept-Encoding: gzip, deflate, br' -H 'Content-Type: application/json' "
    "-H 'Origin: https://app.example.com' -H 'Connection: keep-alive' "
    "-H 'Cookie: a=1; b=2' -H 'Sec-Fetch-Dest: empty' -H 'Pragma: no-cache' "
    """--data-raw '{{"q":"shoes","page":1}}'"""
)
# Examples as API documentation writes them (Stripe, GitHub, Slack, Twilio, Elasticsearch).
API_DOCS = [
    'curl {url}/v1/customers -u sk_test_4eC39HqLyjWDarjtT1zdp7dc: -d name="Jenny Rosen" '
    '--data-urlencode email="jenny+1@example.com" -d "metadata[order_id]=6735"',
    'curl -L -H "Accept: application/vnd.github+json" -H "Authorization: Bearer ghp_abc123" '
    '-H "X-GitHub-Api-Version: 2022-11-28" {url}/repos/OWNER/REPO/issues',
    "curl -X POST -H 'Content-type: application/json' "
    """--data '{{"text":"Hello, World!"}}' {url}/services/T000/B000/XXXX""",
    "curl -X POST {url}/2010-04-01/Accounts/AC123/Messages.json "
    '--data-urlencode "Body=Hi there" --data-urlencode "From=+15017122661" -u AC123:auth_token',
    "curl -XGET '{url}/_search?pretty' -H 'Content-Type: application/json' "
    """-d'{{"query":{{"match_all":{{}}}}}}'""",
]
MULTILINE_WITH_COMMENTS = """# fetch the thing
curl -X POST \\
  '{url}/things' \\
  -H 'X-Trace: 1' \\
  -d 'a=1'   # trailing comment
"""

COMMANDS: list[object] = [
    CHROME_GET,
    CHROME_POST,
    CHROME_FORM,
    MULTILINE_WITH_COMMENTS,
    FIREFOX_POST,
    *API_DOCS,
    "curl -X PUT {url}/items/7 -d @{dir}/data.txt",
    "curl {url}/bin --data-binary @{dir}/data.txt",
    "curl {url}/ascii --data-ascii @{dir}/data.txt --data-ascii tail",
    "curl {url}/enc --data-urlencode 'plain text&more' --data-urlencode '=x y'"
    " --data-urlencode 'name=a b=c' --data-urlencode @{dir}/data.txt"
    " --data-urlencode 'file@{dir}/data.txt'",
    "curl {url}/enc2 --data-urlencode 'q=café crème' --data-urlencode 'k=a@b'",
    "curl -G {url}/search -d q=shoes -d 'size=42' --data-urlencode 'brand=A&B'",
    "curl --get '{url}/search?page=2' --data-urlencode 'q=two words'",
    "curl -u alice:s3cr3t {url}/basic",
    "curl -u 'bob:' {url}/basic-empty",
    "curl --oauth2-bearer abc.def.ghi {url}/bearer",
    """curl {url}/json --json '{{"a": [1, 2], "b": null}}'""",
    """curl {url}/json2 --json '{{"a": 1}}' -H 'Accept: text/html'""",
    "curl {url}/json3 --json '[1,' --json '2]'",
    "curl {url}/json4 --json @{dir}/data.json",
    """curl {url}/json5 -H 'Content-Type: application/json' -d '{{"x": "y"}}'""",
    "curl -I {url}/head",
    "curl --head '{url}/head?q=1'",
    "curl -X DELETE {url}/things/9",
    "curl -X patch {url}/lower -d x=1",
    "curl {url}/ansi -H $'X-Ansi: tab\\there' -d $'line1\\nline2\\x21\\u00e9'",
    "curl {url}/unicode -d 'name=Zoë&city=Kraków' -H 'X-Note: plain'",
    """curl {url}/emoji --json '{{"emoji":"😀"}}'""",
    "curl {url}/quotes -H 'X-Quote: He said \"hi\" and '\\''bye'\\''' "
    """-d "a=\\"q\\"&b='s'&c=\\$HOME" """,
    "curl {url}/upload -F name=Ann -F 'file=@{dir}/up.txt' "
    "-F 'doc=@{dir}/data.json;type=application/json' -F 'note=<{dir}/data.txt'",
    "curl {url}/upload2 -F 'f=@{dir}/up.txt;filename=renamed.txt' --form-string 'x=@notafile;x'",
    """curl {url}/upload3 -F 'meta={{"a":1}};type=application/json' -F 'e=' """,
    "curl {url}/upload4 -F 'img=@\"{dir}/pic one.png\";type=image/png'",
    "curl -A 'MyAgent/1.0 (+https://x.example)' {url}/ua",
    "curl -e https://from.example/page {url}/ref",
    "curl {url}/empty -H 'X-Empty;' -H 'X-Full: 1'",
    "curl {url}/remove -H 'Content-Type:' -d raw-body",
    "curl -sSL -XPOST {url}/bundled -d b=1",
    "curl {url}/attached -HX-Attached:yes -XPUT -d@{dir}/data.txt",
    "curl --request PATCH {url}/literal-at --data-raw '@not-a-file'",
    "curl {url}/cookies -b a=1 -b 'b=2; c=3'",
    "curl {url}/cookie-header -H 'Cookie: x=1' -b y=2",
    "curl {url}/range -r 0-99",
    "curl --url '{url}/via-url?x=1'",
    "curl '{url}/p%20q/r?x=%2F&y=&z#frag'",
    "curl -T {dir}/up.txt {url}/put/",
    "curl {url}/amp -d 'k=a%26b' -d 'e=' -d '&&'",
    "curl {url}/utf8file -d @{dir}/unicode.txt",
    "curl {url}/dup -H 'X-Dup: 1' -H 'X-Dup: 2' -H 'x-dup: 3'",
    "curl -k -L --max-redirs 3 -m 10 --connect-timeout 5 --http1.1 {url}/opts",
    "curl {url}/empty-body -d ''",
    "curl {url}/query --url-query 'a=b c' --url-query 'd=é'",
    "curl -H 'Authorization: Token xyz' -H 'X-Api-Key: k-123' {url}/keys",
]


@pytest.fixture(scope="module")
def echo() -> Iterator[EchoServer]:
    with running_echo_server() as server:
        yield server


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with Engine() as instance:
        yield instance


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("curl-files")
    (folder / "data.txt").write_bytes(b"line one\r\nline=two & more\n")
    (folder / "data.json").write_text('{"from": "file", "n": [1, 2]}\n', encoding="utf-8")
    (folder / "up.txt").write_bytes(b"uploaded\ncontent\n")
    (folder / "pic one.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x01\x02binary")
    (folder / "unicode.txt").write_text("naïve=café\n", encoding="utf-8")
    return folder


def _run_curl(command: str, cwd: Path, echo: EchoServer) -> RecordedRequest:
    quiet = command.replace("curl ", "curl -s -o /dev/null ", 1)
    result = subprocess.run(
        ["bash", "-c", quiet], cwd=cwd, capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, result.stderr
    return echo.take()


def _multipart_parts(recorded: RecordedRequest) -> list[dict[str, object]]:
    content_type = recorded.header_values("content-type")[0]
    boundary = re.search(r"boundary=([^;]+)", content_type)
    assert boundary is not None
    delimiter = b"--" + boundary.group(1).strip('"').encode()
    parts = []
    for chunk in recorded.body.split(delimiter)[1:-1]:
        head, _, content = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        headers = head.decode("utf-8")
        name = re.search(r'name="([^"]*)"', headers)
        filename = re.search(r'filename="([^"]*)"', headers)
        part_type = re.search(r"(?im)^content-type:\s*(.+)$", headers)
        parts.append(
            {
                "name": name.group(1) if name else None,
                "filename": filename.group(1) if filename else None,
                "content": content.removesuffix(b"\r\n"),
                "type": part_type.group(1).strip() if part_type else None,
            }
        )
    return parts


@pytest.mark.parametrize("template", COMMANDS)
def test_reqscope_sends_what_curl_sends(
    template: str, echo: EchoServer, engine: Engine, files: Path
) -> None:
    command = template.format(url=echo.base_url, dir=files)
    by_curl = _run_curl(command, files, echo)

    imported = request_from_curl(command, base_dir=files)
    request = expand_request(imported.request, env={}).request
    exchange = engine.send(request)
    assert exchange.error is None, exchange.error
    by_reqscope = echo.take()

    assert by_reqscope.method == by_curl.method
    assert by_reqscope.path == by_curl.path
    assert by_reqscope.query == by_curl.query
    compared = {h.name.strip().lower() for h in request.headers if h.enabled}
    if request.auth.kind is not AuthKind.NONE:
        compared.add("authorization")
    if request.body_kind is BodyKind.MULTIPART:
        curl_parts = _multipart_parts(by_curl)
        our_parts = _multipart_parts(by_reqscope)
        explicit = {f.name for f in request.form if f.content_type}
        for part in (*curl_parts, *our_parts):
            if part["name"] not in explicit:
                part["type"] = None  # both guess a type from the file name, differently
        assert our_parts == curl_parts
        compared.discard("content-type")
    else:
        assert by_reqscope.body == by_curl.body
        compared.add("content-type")
    for name in sorted(compared):
        assert by_reqscope.header_values(name) == by_curl.header_values(name), name


def test_there_are_at_least_forty_commands() -> None:
    assert len(COMMANDS) >= 40
