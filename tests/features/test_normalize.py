from autodevops.features.normalize import clean_line, normalize_line, normalize_log, strip_ansi

BASE = "Error response from daemon: Bind for 0.0.0.0:8080 failed: port is already allocated"


def test_strip_ansi_removes_colours_and_osc_links():
    assert strip_ansi("\x1b[1;31mERROR\x1b[0m \x1b]8;;http://x\x07link\x1b]8;;\x07") == "ERROR link"


def test_progress_bar_keeps_last_frame():
    assert clean_line("[==>   ] 10%\r[======] 100%") == "[======] 100%"


def test_invariant_to_timestamps_in_many_formats():
    variants = [
        f"2024-03-05T10:11:12.123Z {BASE}",
        f"2024/03/05 10:11:12 {BASE}",
        f"Mar  5 10:11:12 {BASE}",
        f"[10:11:12] {BASE}",
        f"1709633472 {BASE}",
        f"I0305 10:11:12.123456       1 server.go:42] {BASE}",
        BASE,
    ]
    assert len({normalize_line(v) for v in variants}) == 1


def test_invariant_to_ids_addresses_and_colours():
    a = normalize_line("\x1b[31mpod web-7f9c6d8b5-x2x9q\x1b[0m (1b2c3d4e-1111-2222-3333-444455556666) on 10.0.3.7:5432 sha 3f2a9b8c7d6e")
    b = normalize_line("pod web-5d4c3b2a1-kq8zt (99999999-aaaa-bbbb-cccc-dddddddddddd) on 192.168.1.20:15432 sha 0a1b2c3d4e5f6a")
    assert a == b == "pod web-<ID> (<UUID>) on <IP>:<NUM> sha <HEX>"


def test_small_numbers_that_carry_meaning_are_kept():
    assert normalize_line("container exited with exit code 137") == "container exited with exit code 137"
    assert normalize_line("HTTP/1.1 502 Bad Gateway") == "HTTP/<NUM> 502 Bad Gateway"


def test_paths_keep_their_last_component():
    assert normalize_line("dial unix /var/run/docker.sock: connect: permission denied") == \
        "dial unix .../docker.sock: connect: permission denied"


def test_normalize_log_drops_blank_lines():
    assert normalize_log("a 12345\n\n   \nb") == "a <NUM>\nb"
