#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

// A thin libcurl wrapper: one request at a time, no global state visible to callers.
namespace attnviz::hub {

struct HttpResponse {
  long status = 0;                             // 0: no HTTP answer (see transport_error)
  std::map<std::string, std::string> headers;  // keys lower-case, of the last response
  std::string transport_error;                 // libcurl's message when the exchange broke off
  std::uint64_t body_bytes = 0;                // bytes written to the sink (GET)
};

struct HttpRequest {
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  long connect_timeout_s = 10;
  long stall_timeout_s = 10;
};

// HEAD without following redirects: the caller decides which redirects to follow, as
// huggingface_hub does (a redirect to another host means "download from there", not "this is the
// file").
HttpResponse http_head(const HttpRequest& request);

// GET following redirects, appending the body of a 200/206 answer to `sink` from `offset` on (a
// "Range: bytes=offset-" header is sent when offset > 0; a 200 answer to it restarts the file).
// `on_bytes` gets the bytes on disk so far. Error bodies are not written.
HttpResponse http_get_to_file(const HttpRequest& request, std::FILE* sink, std::uint64_t offset,
                              const std::function<void(std::uint64_t)>& on_bytes);

// scheme://host[:port] of a URL, lower-case; empty when it has none.
std::string url_origin(const std::string& url);

}  // namespace attnviz::hub
