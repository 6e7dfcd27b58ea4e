"""The GDB remote protocol's framing: checksums, escapes, run-length, stream splitting."""
import pytest

from kemu.debug import rsp


def test_frame_appends_modulo_256_checksum_in_hex():
    assert rsp.frame(b"OK") == b"$OK#9a"


def test_frame_escapes_hash_dollar_brace_and_star():
    framed = rsp.frame(b"a#b$c}d*e")
    body = framed[1:framed.index(b"#", len(framed) - 3)]
    assert body == b"a}\x03b}\x04c}]d}\x0ae"
    assert rsp.unescape(body) == b"a#b$c}d*e"


def test_run_length_expands_previous_byte():
    # '0* ' means '0' followed by ord(' ')-29 = 3 more zeros
    assert rsp.unescape(b"0* ") == b"0000"


def test_reader_splits_packets_acks_and_interrupts_in_order():
    r = rsp.PacketReader()
    events = r.feed(b"+$g#67\x03$m1,2#fc")
    assert events == [("ack", b"+"), ("packet", b"g"), ("interrupt", b"\x03"), ("packet", b"m1,2")]


def test_reader_waits_for_the_rest_of_a_split_packet():
    r = rsp.PacketReader()
    assert r.feed(b"$qSupp") == []
    assert r.feed(b"orted#37") == [("packet", b"qSupported")]


def test_reader_reports_bad_checksum_instead_of_a_packet():
    r = rsp.PacketReader()
    assert r.feed(b"$g#00") == [("bad", b"g")]


def test_hex_decode_names_what_was_malformed():
    with pytest.raises(rsp.ProtocolError, match="memory data"):
        rsp.hex_decode(b"abc", "memory data")


def test_parse_hex_int_rejects_empty_and_non_hex():
    with pytest.raises(rsp.ProtocolError, match="address"):
        rsp.parse_hex_int(b"", "address")
    with pytest.raises(rsp.ProtocolError, match="length"):
        rsp.parse_hex_int(b"zz", "length")
