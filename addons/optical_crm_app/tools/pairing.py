"""Pairing codes and API keys of the app: generation and normalisation.
Only their hashes are stored (core's ``tools/http_api.hash_secret`` with the
database secret as pepper), compared in constant time."""
import ipaddress
import secrets

# No 0/O, 1/I/L: a code is read aloud or typed from the shop's screen.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8


def generate_pairing_code(length=CODE_LENGTH):
    """A short random code, shown as ``ABCD-EFGH``."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _index in range(length))
    return "%s-%s" % (code[: length // 2], code[length // 2:])


def normalize_pairing_code(code):
    """The code as typed by a customer: case, spaces and dashes do not matter.
    Returns ``""`` when it cannot be a code."""
    if not isinstance(code, str):
        return ""
    cleaned = "".join(ch for ch in code.upper() if ch not in " -\t")
    if not cleaned or any(ch not in CODE_ALPHABET for ch in cleaned):
        return ""
    return cleaned


def generate_api_key():
    """A long random API key: 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)



def rate_limit_key(address):
    """The network a wrong pairing code is counted against: an IPv4 address
    itself, the /64 of an IPv6 address (one machine has a whole /64 to
    itself), any other text as it is."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return (address or "unknown")[:64]
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network("%s/64" % ip, strict=False))
    return str(ip)


def rate_limit_network(address):
    """The wider network wrong pairing codes are also counted against: the
    /48 of an IPv6 address (one site's allocation: its /64s cost nothing to
    change); an IPv4 address is its own network, as addresses behind one
    carrier's NAT share a /24 and one customer must not block the others."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return rate_limit_key(address)
    if ip.version == 6 and not ip.ipv4_mapped:
        return str(ipaddress.ip_network("%s/48" % ip, strict=False))
    return rate_limit_key(address)
