#!/usr/bin/env python3
"""A tiny stand-in for the ECS container credentials endpoint (tests only).

Listens on 127.0.0.1 (port chosen by the OS, printed as the first stdout
line). Every GET answers fresh credentials numbered by request count
(AccessKeyId ECSKEY<n>) expiring in EXPIRES_IN seconds (argv[1]). If
argv[2] is given, requests must carry it as the Authorization header
(otherwise HTTP 401). Stops when stdin closes.
"""
import datetime
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

expires_in = int(sys.argv[1]) if len(sys.argv) > 1 else 3600
expected_token = sys.argv[2] if len(sys.argv) > 2 else None
count = 0
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        global count
        if expected_token is not None and self.headers.get("Authorization") != expected_token:
            self.send_response(401)
            self.end_headers()
            return
        with lock:
            count += 1
            n = count
        expiration = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=expires_in)
        body = json.dumps({
            "AccessKeyId": f"ECSKEY{n}",
            "SecretAccessKey": f"ecs-secret-{n}",
            "Token": f"ecs-token-{n}",
            "Expiration": expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "RoleArn": "arn:aws:iam::123456789012:role/test",
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()
server.shutdown()
