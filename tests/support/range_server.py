"""One file over HTTP on 127.0.0.1, honouring "Range: bytes=N-" as download servers do:
the fetch tests' stand-in for the weights' real sources (no network here)."""
import http.server
import re
import sys
import threading
import time


class RangeHandler(http.server.BaseHTTPRequestHandler):
    """Serves `body` at /vgg19.h5 in pieces of `piece` bytes, `pause` seconds apart (a
    slow link, so that a test can stop a download half-way); records each Range header."""
    body = b""
    ranges_seen = []
    piece = 1 << 30
    pause = 0.0

    def do_GET(self):  # noqa: N802 (the name http.server calls)
        if self.path != "/vgg19.h5":
            self.send_error(404)
            return
        requested = self.headers.get("Range")
        type(self).ranges_seen.append(requested)
        start = int(re.match(r"bytes=(\d+)-", requested).group(1)) if requested else 0
        if start >= len(self.body) and requested:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{len(self.body)}")
            self.end_headers()
            return
        self.send_response(206 if requested else 200)
        if requested:
            self.send_header("Content-Range", f"bytes {start}-{len(self.body) - 1}/{len(self.body)}")
        self.send_header("Content-Length", str(len(self.body) - start))
        self.end_headers()
        try:
            for offset in range(start, len(self.body), self.piece):
                self.wfile.write(self.body[offset:offset + self.piece])
                time.sleep(self.pause)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped the download

    def log_message(self, *args):
        pass


def server_of(handler, body, piece=1 << 30, pause=0.0):
    """A server on a free port of 127.0.0.1 serving `body` with a subclass of `handler`."""
    served = type("Served", (handler,), {"body": body, "ranges_seen": [], "piece": piece, "pause": pause})
    return http.server.ThreadingHTTPServer(("127.0.0.1", 0), served)


def serve(test, handler, body, piece=1 << 30, pause=0.0):
    """Serves `body` with a subclass of `handler` until `test` ends; returns (base URL, the class)."""
    server = server_of(handler, body, piece, pause)
    served = server.RequestHandlerClass
    threading.Thread(target=server.serve_forever, daemon=True).start()
    test.addCleanup(server.server_close)
    test.addCleanup(server.shutdown)
    return f"http://127.0.0.1:{server.server_address[1]}", served


def main():
    """range_server.py FILE [PIECE PAUSE]: serves FILE at http://127.0.0.1:PORT/vgg19.h5
    (the URL printed first) until killed; for docs/download-screenshot.sh's slow link."""
    path = sys.argv[1]
    piece = int(sys.argv[2]) if len(sys.argv) > 2 else 1 << 30
    pause = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
    with open(path, "rb") as stream:
        body = stream.read()
    server = server_of(RangeHandler, body, piece, pause)
    print(f"http://127.0.0.1:{server.server_address[1]}/vgg19.h5", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
