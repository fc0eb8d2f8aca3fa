"""The textbook Python UDP uppercase server (Kurose & Ross), an extra comparison row.

    python3 python-udp-server.py --host 127.0.0.1 --port 0

Prints the same JSON 'Listening at' line as the other servers, then loops on
recvfrom/sendto. Issue 6 measured it at nearly twice bare node:dgram on this machine.
"""
import argparse
import json
import signal
import socket
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--port", type=int, default=0)
args = parser.parse_args()

signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
server = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET, socket.SOCK_DGRAM)
server.bind((args.host, args.port))
address, port = server.getsockname()[:2]
print(json.dumps({"level": 30, "time": int(time.time() * 1000), "msg": "Listening at",
                  "transport": "udp", "address": address, "port": port}), flush=True)
while True:
    message, client = server.recvfrom(2048)
    server.sendto(message.decode().upper().encode(), client)
