#!/usr/bin/env python3
"""An independent BOLT 8 peer for lncommando's interop tests, built on pyln-proto (the Core
Lightning project's Python implementation of the transport).

    pyln_peer.py responder   listen on 127.0.0.1:0, print "LISTENING <port> <node id>", serve one
                             client as a node would: init first, pongs, commando getinfo/echo,
                             and echo back every custom message of type 32769.
    pyln_peer.py client HOST:PORT NODE_ID RUNE READONLY_RUNE
                             connect to a commando node (the test node, or Core Lightning) as
                             a client: getinfo, a method the read-only rune forbids, and a
                             300 KB echo as a multi-part request; print one JSON line of results.
    pyln_peer.py initiator PORT NODE_ID COUNT
                             connect to our responder: init, one commando getinfo, then COUNT
                             custom messages out and COUNT echoes back; print "OK <count>".
"""
import json
import socket
import struct
import sys

from pyln.proto.wire import LightningServerSocket, PrivateKey, connect

NODE_SECRET = bytes([0x21] * 32)
CLIENT_SECRET = bytes([0x22] * 32)
INIT, PING, PONG = 16, 18, 19
REQ_MORE, REQ_LAST, REPLY_MORE, REPLY_LAST = 0x4C4D, 0x4C4F, 0x594B, 0x594D
CUSTOM = 32769
CHUNK = 65000


def msg_type(m):
    return struct.unpack(">H", m[:2])[0]


def init_msg():
    # No global features, no features, no TLVs.
    return struct.pack(">HHH", INIT, 0, 0)


def send_reply(conn, req_id, body):
    chunks = [body[i:i + CHUNK] for i in range(0, len(body), CHUNK)] or [b""]
    for i, c in enumerate(chunks):
        t = REPLY_LAST if i == len(chunks) - 1 else REPLY_MORE
        conn.send_message(struct.pack(">HQ", t, req_id) + c)


def responder():
    key = PrivateKey(NODE_SECRET)
    node_id = key.public_key().serializeCompressed().hex()
    srv = LightningServerSocket(key)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    print("LISTENING", srv.getsockname()[1], node_id, flush=True)
    conn, _ = srv.accept()
    # pyln-proto writes a packet's header and body separately: without this, Nagle's algorithm
    # and delayed ACKs add 40 ms to every message.
    conn.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn.send_message(init_msg())
    first = conn.read_message()
    assert msg_type(first) == INIT, "client must send init first"
    partial = {}
    counts = {"requests": 0, "custom": 0}
    while True:
        try:
            m = conn.read_message()
        except (ValueError, OSError):
            break
        t = msg_type(m)
        if t == PING:
            num_pong_bytes = struct.unpack(">H", m[2:4])[0]
            if num_pong_bytes < 65532:
                try:
                    conn.send_message(struct.pack(">HH", PONG, num_pong_bytes) + bytes(num_pong_bytes))
                except OSError:
                    break  # The client has gone (its last frame's ping is answered too late).
        elif t in (REQ_MORE, REQ_LAST):
            req_id = struct.unpack(">Q", m[2:10])[0]
            partial[req_id] = partial.get(req_id, b"") + m[10:]
            if t == REQ_LAST:
                req = json.loads(partial.pop(req_id))
                counts["requests"] += 1
                if req["method"] == "getinfo":
                    result = {"id": node_id, "alias": "pyln-peer"}
                elif req["method"] == "echo":
                    result = req["params"]
                else:
                    body = {"jsonrpc": "2.0", "id": req["id"],
                            "error": {"code": -32601, "message": "Unknown command '%s'" % req["method"]}}
                    send_reply(conn, req_id, json.dumps(body).encode())
                    continue
                body = {"jsonrpc": "2.0", "id": req["id"], "result": result}
                send_reply(conn, req_id, json.dumps(body).encode())
        elif t == CUSTOM:
            counts["custom"] += 1
            conn.send_message(m)
    print("DONE", json.dumps(counts), flush=True)


def initiator(port, node_id, count):
    conn = connect(PrivateKey(CLIENT_SECRET), bytes.fromhex(node_id), "127.0.0.1", int(port))
    conn.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    first = conn.read_message()
    assert msg_type(first) == INIT, "node must send init first, got %d" % msg_type(first)
    conn.send_message(init_msg())
    req = json.dumps({"method": "getinfo", "params": {}, "rune": "x", "id": "pyln#1"}).encode()
    conn.send_message(struct.pack(">HQ", REQ_LAST, 42) + req)
    reply = b""
    while True:
        m = conn.read_message()
        t = msg_type(m)
        if t in (REPLY_MORE, REPLY_LAST):
            assert struct.unpack(">Q", m[2:10])[0] == 42
            reply += m[10:]
            if t == REPLY_LAST:
                break
    reply = json.loads(reply)
    assert reply["result"]["id"] == node_id, reply
    # Past 1000 messages each way: keys rotate twice in each direction.
    for i in range(int(count)):
        payload = struct.pack(">HI", CUSTOM, i) + b"from pyln"
        conn.send_message(payload)
        echo = conn.read_message()
        while msg_type(echo) == PING:
            conn.send_message(struct.pack(">HH", PONG, 0))
            echo = conn.read_message()
        assert echo == payload, (i, echo)
    conn.connection.shutdown(socket.SHUT_RDWR)
    print("OK", count, flush=True)


def call(conn, req_id, method, params, rune):
    """Sends one commando request (multi-part when large) and returns the parsed reply."""
    body = json.dumps({"method": method, "params": params, "rune": rune,
                       "id": "pyln:%s#%d" % (method, req_id)}).encode()
    chunks = [body[i:i + CHUNK] for i in range(0, len(body), CHUNK)]
    for i, c in enumerate(chunks):
        t = REQ_LAST if i == len(chunks) - 1 else REQ_MORE
        conn.send_message(struct.pack(">HQ", t, req_id) + c)
    reply, parts = b"", 0
    while True:
        m = conn.read_message()
        t = msg_type(m)
        if t == PING:
            num_pong_bytes = struct.unpack(">H", m[2:4])[0]
            conn.send_message(struct.pack(">HH", PONG, num_pong_bytes) + bytes(num_pong_bytes))
        elif t in (REPLY_MORE, REPLY_LAST) and struct.unpack(">Q", m[2:10])[0] == req_id:
            reply += m[10:]
            parts += 1
            if t == REPLY_LAST:
                return json.loads(reply), len(chunks), parts


def client(addr, node_id, rune, readonly):
    host, port = addr.rsplit(":", 1)
    conn = connect(PrivateKey(CLIENT_SECRET), bytes.fromhex(node_id), host, int(port))
    conn.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    first = conn.read_message()
    assert msg_type(first) == INIT, "node must send init first, got %d" % msg_type(first)
    conn.send_message(init_msg())
    info, _, _ = call(conn, 1, "getinfo", {}, rune)
    forbidden, _, _ = call(conn, 2, "invoice", {"amount_msat": 1000, "label": "x", "description": "y"}, readonly)
    big = "e" * 300_000
    echo, sent_chunks, reply_chunks = call(conn, 3, "echo", [big], rune)
    print(json.dumps({
        "getinfo_id": info.get("result", {}).get("id"),
        "forbidden": forbidden.get("error"),
        "echo_equal": echo.get("result") == [big],
        "echo_request_chunks": sent_chunks,
        "echo_reply_chunks": reply_chunks,
    }), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "responder":
        responder()
    elif sys.argv[1] == "client":
        client(*sys.argv[2:6])
    elif sys.argv[1] == "initiator":
        initiator(*sys.argv[2:5])
    else:
        sys.exit(__doc__)
