#!/usr/bin/env python3
"""A stand-in for the Hugging Face Hub on 127.0.0.1, for attnviz's hub tests. Standard library only.

It serves every folder under --root that holds a config.json as a model repository (repo id = the
folder's path below --root) with the Hub's URL layout and headers:

  HEAD/GET /{repo}/resolve/{main|commit}/{file}
    small file: 200, ETag = git blob sha1, X-Repo-Commit, Content-Length
    LFS file (*.safetensors, *.bin, *.model): 302 to a second port (the "CDN") /cdn/{sha256},
      X-Linked-Etag = sha256, X-Linked-Size, X-Repo-Commit
    unknown repo: 404 X-Error-Code RepoNotFound; unknown revision: 404 RevisionNotFound;
    unknown file: 404 EntryNotFound (with X-Repo-Commit); private repo without its token: 401
  GET /cdn/{sha256}: the LFS file, with Range support (206)

Test switches: --private REPO=TOKEN, --rename OLD=NEW (307 relative redirect, like a renamed repo),
--cut-once FILE (the first CDN transfer of FILE stops halfway and the connection is closed),
--stall-once FILE (the first CDN transfer of FILE stops halfway and then sends nothing for a minute),
--answer STATUS (every resolve request gets STATUS and no Hub headers, as from a web server that
is no Hub, an overloaded Hub (503) or a gated repository (403)), --corrupt FILE (one byte of FILE is flipped in every CDN transfer; the headers keep the true sha256).
Every request is appended to --log as "METHOD PATH range=R auth=yes|no". --manifest PATH gets what
a client should end up with: {repo: {"commit": c, "files": {name: {"etag": e, "size": n}}}}.
Prints "PORT <hub port> <cdn port>" once both sockets listen.

--write-fixtures DIR writes the synthetic repositories the tests use (tests/data/hub/repos).
"""
import argparse
import hashlib
import http.server
import json
import os
import random
import re
import socket
import struct
import sys
import threading
import time
import urllib.parse

LFS_SUFFIXES = (".safetensors", ".bin", ".model")


def git_blob_sha1(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def load_repos(root):
    repos = {}
    for folder, _, files in os.walk(root):
        if "config.json" not in files:
            continue
        repo_id = os.path.relpath(folder, root).replace(os.sep, "/")
        contents = {}
        for name in sorted(files):
            with open(os.path.join(folder, name), "rb") as f:
                contents[name] = f.read()
        commit = hashlib.sha1(repo_id.encode() + b"".join(
            name.encode() + hashlib.sha1(data).digest() for name, data in contents.items())).hexdigest()
        repos[repo_id] = {"commit": commit, "files": contents}
    return repos


class Hub:
    def __init__(self, args):
        self.repos = load_repos(args.root)
        self.private = dict(item.split("=", 1) for item in args.private)
        self.renamed = dict(item.split("=", 1) for item in args.rename)
        self.blobs = {}  # sha256 -> (file name, bytes) of LFS files
        for repo in self.repos.values():
            for name, data in repo["files"].items():
                if name.endswith(LFS_SUFFIXES):
                    self.blobs[hashlib.sha256(data).hexdigest()] = (name, data)
        self.faults = dict([(name, "cut") for name in args.cut_once] +
                           [(name, "stall") for name in args.stall_once])
        self.corrupt = set(args.corrupt)
        self.log_path = args.log
        self.answer = args.answer
        self.lock = threading.Lock()
        self.cdn_port = 0

    def manifest(self):
        return {repo_id: {"commit": repo["commit"], "files": {
            name: {"etag": hashlib.sha256(data).hexdigest() if name.endswith(LFS_SUFFIXES)
                   else git_blob_sha1(data), "size": len(data)}
            for name, data in repo["files"].items()}} for repo_id, repo in self.repos.items()}

    def log(self, line):
        if self.log_path:
            with self.lock, open(self.log_path, "a") as f:
                f.write(line + "\n")

    def take_fault(self, name):
        with self.lock:
            return self.faults.pop(name, None)


class Handler(http.server.BaseHTTPRequestHandler):
    hub = None  # set by main()

    def log_message(self, format, *args):  # quiet: the request log file is what tests read
        pass

    def do_HEAD(self):
        self.handle_request(send_body=False)

    def do_GET(self):
        self.handle_request(send_body=True)

    def send(self, status, headers, body=b"", send_body=True):
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def error(self, status, code, send_body, extra=None):
        headers = {"X-Error-Code": code, "Content-Type": "application/json"}
        headers.update(extra or {})
        self.send(status, headers, json.dumps({"error": code}).encode(), send_body)

    def handle_request(self, send_body):
        hub = self.hub
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        auth = self.headers.get("Authorization")
        hub.log("%s %s range=%s auth=%s" % (self.command, path, self.headers.get("Range", "-"),
                                            "yes" if auth else "no"))
        if path.startswith("/cdn/"):
            return self.serve_blob(path[len("/cdn/"):], send_body)
        match = re.match(r"^/(.+?)/resolve/([^/]+)/(.+)$", path)
        if not match:
            return self.error(404, "RepoNotFound", send_body)
        repo_id, revision, file = match.groups()
        if hub.answer:
            return self.send(hub.answer, {"Content-Type": "text/html"}, b"<html></html>", send_body)
        if repo_id in hub.renamed:
            target = "/%s/resolve/%s/%s" % (hub.renamed[repo_id], revision, file)
            return self.send(307, {"Location": target}, b"", send_body)
        repo = hub.repos.get(repo_id)
        if repo is None:
            return self.error(404, "RepoNotFound", send_body)
        token = hub.private.get(repo_id)
        if token is not None and auth != "Bearer " + token:
            return self.error(401, "RepoNotFound", send_body)
        if revision not in ("main", repo["commit"]):
            return self.error(404, "RevisionNotFound", send_body)
        commit_header = {"X-Repo-Commit": repo["commit"]}
        data = repo["files"].get(file)
        if data is None:
            return self.error(404, "EntryNotFound", send_body, commit_header)
        if file.endswith(LFS_SUFFIXES):
            sha256 = hashlib.sha256(data).hexdigest()
            location = "http://127.0.0.1:%d/cdn/%s" % (hub.cdn_port, sha256)
            body = ("Found. Redirecting to " + location).encode()
            return self.send(302, dict(commit_header, **{
                "Location": location, "X-Linked-Etag": '"%s"' % sha256,
                "X-Linked-Size": str(len(data)), "ETag": '"%s"' % git_blob_sha1(body)}), body, send_body)
        headers = dict(commit_header, **{"ETag": '"%s"' % git_blob_sha1(data),
                                         "Content-Type": "application/octet-stream"})
        return self.send(200, headers, data, send_body)

    def serve_blob(self, sha256, send_body):
        hub = self.hub
        if sha256 not in hub.blobs:
            return self.send(404, {}, b"", send_body)
        name, data = hub.blobs[sha256]
        if name in hub.corrupt:
            middle = len(data) // 2
            data = data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:]
        start = 0
        range_match = re.match(r"^bytes=(\d+)-$", self.headers.get("Range", ""))
        if range_match:
            start = int(range_match.group(1))
            if start >= len(data):
                return self.send(416, {"Content-Range": "bytes */%d" % len(data)}, b"", send_body)
        body = data[start:]
        headers = {"ETag": '"%s"' % sha256, "Content-Type": "application/octet-stream",
                   "Accept-Ranges": "bytes"}
        status = 200
        if range_match:
            status = 206
            headers["Content-Range"] = "bytes %d-%d/%d" % (start, len(data) - 1, len(data))
        fault = hub.take_fault(name) if send_body else None
        if fault is None:
            return self.send(status, headers, body, send_body)
        # Announce the whole body, send half, then drop the connection or fall silent.
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[:len(body) // 2])
        self.wfile.flush()
        if fault == "stall":
            time.sleep(60)  # the client has to notice on its own
        self.connection.shutdown(socket.SHUT_RDWR)
        self.close_connection = True


def write_fixtures(root):
    """Tiny synthetic repositories: a BERT-like one with an LFS safetensors file, a GPT-2-like one
    whose weights are only pytorch_model.bin. Deterministic, so regenerating changes nothing."""
    rng = random.Random(6)
    bert = os.path.join(root, "attnviz-test", "tiny-bert")
    gpt2 = os.path.join(root, "tiny-gpt2")
    os.makedirs(bert, exist_ok=True)
    os.makedirs(gpt2, exist_ok=True)

    def write(folder, name, data):
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())

    write(bert, "config.json", json.dumps({
        "architectures": ["BertModel"], "model_type": "bert", "hidden_size": 8,
        "num_attention_heads": 2, "num_hidden_layers": 1, "intermediate_size": 16,
        "max_position_embeddings": 16, "vocab_size": 12, "type_vocab_size": 2,
        "layer_norm_eps": 1e-12, "hidden_act": "gelu"}, indent=2) + "\n")
    # One 128x128 float32 tensor: 64 KiB, big enough to cut a transfer in the middle.
    values = [rng.uniform(-1, 1) for _ in range(128 * 128)]
    tensor = struct.pack("<%df" % len(values), *values)
    header = json.dumps({"weight": {"dtype": "F32", "shape": [128, 128],
                                    "data_offsets": [0, len(tensor)]}}).encode()
    header += b" " * (-len(header) % 8)
    write(bert, "model.safetensors", struct.pack("<Q", len(header)) + header + tensor)
    write(bert, "vocab.txt", "\n".join(
        ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "on", "mat", "a", "."]) + "\n")
    write(bert, "tokenizer_config.json", json.dumps({"do_lower_case": True}) + "\n")

    write(gpt2, "config.json", json.dumps({
        "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "n_embd": 8, "n_head": 2,
        "n_layer": 1, "n_positions": 16, "vocab_size": 6}, indent=2) + "\n")
    # Synthetic bytes under the name attnviz falls back to; the hub stage never parses weights.
    write(gpt2, "pytorch_model.bin", bytes(rng.randrange(256) for _ in range(20000)))
    write(gpt2, "vocab.json", json.dumps({"h": 0, "i": 1, "hi": 2, "\u0120": 3, "!": 4, "<|endoftext|>": 5}) + "\n")
    write(gpt2, "merges.txt", "#version: 0.2\nh i\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root")
    parser.add_argument("--log")
    parser.add_argument("--manifest")
    parser.add_argument("--private", action="append", default=[])
    parser.add_argument("--rename", action="append", default=[])
    parser.add_argument("--cut-once", action="append", default=[])
    parser.add_argument("--answer", type=int)
    parser.add_argument("--stall-once", action="append", default=[])
    parser.add_argument("--corrupt", action="append", default=[])
    parser.add_argument("--write-fixtures")
    args = parser.parse_args()
    if args.write_fixtures:
        write_fixtures(args.write_fixtures)
        return
    if not args.root:
        parser.error("--root is required")
    Handler.hub = Hub(args)
    if args.manifest:
        with open(args.manifest, "w") as f:
            json.dump(Handler.hub.manifest(), f, indent=2)
    servers = [http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler) for _ in range(2)]
    Handler.hub.cdn_port = servers[1].server_address[1]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print("PORT %d %d" % (servers[0].server_address[1], servers[1].server_address[1]), flush=True)
    threading.Event().wait()  # until the test kills the process


if __name__ == "__main__":
    sys.exit(main())
