"""curl's command-line options: which exist, which take an argument, and how curl matches
what the user typed (`-sSL` bundles, `-XPOST` attached values, unambiguous prefixes of long
names such as `--verb`, `--no-` negations). The table is curl 7.88's `curl --help all`, plus a
few options of newer curls, so an option curl knows is never reported as unknown.
"""

from __future__ import annotations

from dataclasses import dataclass

from reqscope.core.errors import InteropError

# `s/long=`: short letter `s`, long name `long`, `=`: takes an argument (curl 7.88.1).
_TABLE = """
    abstract-unix-socket= alt-svc= anyauth a/append aws-sigv4= basic cacert= capath= E/cert=
    cert-status cert-type= ciphers= compressed compressed-ssh K/config= connect-timeout=
    connect-to= C/continue-at= b/cookie= c/cookie-jar= create-dirs create-file-mode= crlf
    crlfile= curves= d/data= data-ascii= data-binary= data-raw= data-urlencode= delegation=
    digest q/disable disable-eprt disable-epsv disallow-username-in-url dns-interface=
    dns-ipv4-addr= dns-ipv6-addr= dns-servers= doh-cert-status doh-insecure doh-url=
    D/dump-header= egd-file= engine= etag-compare= etag-save= expect100-timeout= f/fail
    fail-early fail-with-body false-start F/form= form-escape form-string= ftp-account=
    ftp-alternative-to-user= ftp-create-dirs ftp-method= ftp-pasv P/ftp-port= ftp-pret
    ftp-skip-pasv-ip ftp-ssl-ccc ftp-ssl-ccc-mode= ftp-ssl-control G/get g/globoff
    happy-eyeballs-timeout-ms= haproxy-protocol I/head H/header= h/help hostpubmd5=
    hostpubsha256= hsts= http0.9 0/http1.0 http1.1 http2 http2-prior-knowledge http3 http3-only
    ignore-content-length i/include k/insecure interface= 4/ipv4 6/ipv6 json=
    j/junk-session-cookies keepalive-time= key= key-type= krb= libcurl= limit-rate= l/list-only
    local-port= L/location location-trusted login-options= mail-auth= mail-from= mail-rcpt=
    mail-rcpt-allowfails M/manual max-filesize= max-redirs= m/max-time= metalink negotiate
    n/netrc netrc-file= netrc-optional :/next no-alpn N/no-buffer no-clobber no-keepalive no-npn
    no-progress-meter no-sessionid noproxy= ntlm ntlm-wb oauth2-bearer= o/output= output-dir=
    Z/parallel parallel-immediate parallel-max= pass= path-as-is pinnedpubkey= post301 post302
    post303 preproxy= #/progress-bar proto= proto-default= proto-redir= x/proxy= proxy-anyauth
    proxy-basic proxy-cacert= proxy-capath= proxy-cert= proxy-cert-type= proxy-ciphers=
    proxy-crlfile= proxy-digest proxy-header= proxy-insecure proxy-key= proxy-key-type=
    proxy-negotiate proxy-ntlm proxy-pass= proxy-pinnedpubkey= proxy-service-name=
    proxy-ssl-allow-beast proxy-ssl-auto-client-cert proxy-tls13-ciphers= proxy-tlsauthtype=
    proxy-tlspassword= proxy-tlsuser= proxy-tlsv1 U/proxy-user= proxy1.0= p/proxytunnel pubkey=
    Q/quote= random-file= r/range= rate= raw e/referer= J/remote-header-name O/remote-name
    remote-name-all R/remote-time remove-on-error X/request= request-target= resolve= retry=
    retry-all-errors retry-connrefused retry-delay= retry-max-time= sasl-authzid= sasl-ir
    service-name= S/show-error s/silent socks4= socks4a= socks5= socks5-basic socks5-gssapi
    socks5-gssapi-nec socks5-gssapi-service= socks5-hostname= Y/speed-limit= y/speed-time= ssl
    ssl-allow-beast ssl-auto-client-cert ssl-no-revoke ssl-reqd ssl-revoke-best-effort 2/sslv2
    3/sslv3 stderr= styled-output suppress-connect-headers tcp-fastopen tcp-nodelay
    t/telnet-option= tftp-blksize= tftp-no-options z/time-cond= tls-max= tls13-ciphers=
    tlsauthtype= tlspassword= tlsuser= 1/tlsv1 tlsv1.0 tlsv1.1 tlsv1.2 tlsv1.3 tr-encoding
    trace= trace-ascii= trace-time unix-socket= T/upload-file= url= url-query= B/use-ascii
    u/user= A/user-agent= v/verbose V/version w/write-out= xattr
    ca-native proxy-ca-native skip-existing proxy-http2 mptcp trace-config= ipfs-gateway=
    variable= ech= sigalgs= knownhosts= tls-earlydata keepalive-cnt= out-null follow
    expand-url= expand-data= expand-header= expand-json= expand-output= expand-user=
"""


@dataclass(frozen=True, slots=True)
class CurlOption:
    long: str  # without the leading dashes
    short: str = ""
    takes_argument: bool = False

    @property
    def label(self) -> str:
        return f"--{self.long}"


def _build() -> tuple[dict[str, CurlOption], dict[str, CurlOption]]:
    by_long: dict[str, CurlOption] = {}
    by_short: dict[str, CurlOption] = {}
    for entry in _TABLE.split():
        short, _, rest = entry.rpartition("/") if "/" in entry[:2] else ("", "", entry)
        option = CurlOption(rest.rstrip("="), short, rest.endswith("="))
        by_long[option.long] = option
        if short:
            by_short[short] = option
    return by_long, by_short


OPTIONS, SHORT_OPTIONS = _build()


def find_long(word: str) -> tuple[CurlOption, bool]:
    """The option named by `--name` (an exact name, or a prefix of exactly one name, as
    curl 7.x allows), and whether it was negated with `--no-`."""
    name = word[2:]
    found = _match(name)
    if found is not None:
        return found, False
    if name.startswith("no-"):
        negated = _match(name[3:])
        if negated is not None and not negated.takes_argument:
            return negated, True
    if "=" in name:
        raise InteropError(
            f"option {word}: is unknown (curl does not accept --name=value; "
            f"write --{name.partition('=')[0]} VALUE)"
        )
    raise InteropError(f"option {word}: is unknown to curl")


def _match(name: str) -> CurlOption | None:
    exact = OPTIONS.get(name)
    if exact is not None or not name:
        return exact
    candidates = [option for long, option in OPTIONS.items() if long.startswith(name)]
    if len(candidates) > 1:
        names = ", ".join(option.label for option in candidates[:4])
        raise InteropError(f"option --{name}: is ambiguous ({names} ...)")
    return candidates[0] if candidates else None


def find_short(letter: str) -> CurlOption:
    option = SHORT_OPTIONS.get(letter)
    if option is None:
        raise InteropError(f"option -{letter}: is unknown to curl")
    return option
