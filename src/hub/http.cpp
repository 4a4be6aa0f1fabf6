#include "http.hpp"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace attnviz::hub {
namespace {

// curl_global_init is not thread-safe; doing it once here keeps it out of every caller.
void ensure_curl_initialized() {
  static const bool initialized = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  (void)initialized;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto& headers = *static_cast<std::map<std::string, std::string>*>(user);
  const std::string line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {
    headers.clear();  // a new response after a redirect: keep only the last one's headers
  } else if (const auto colon = line.find(':'); colon != std::string::npos) {
    headers[lower(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
  }
  return size * count;
}

using CurlHandle = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;
using HeaderList = std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)>;

struct Exchange {
  CurlHandle curl{nullptr, curl_easy_cleanup};
  HeaderList header_list{nullptr, curl_slist_free_all};
  HttpResponse response;
};

void prepare(Exchange& exchange, const HttpRequest& request) {
  ensure_curl_initialized();
  exchange.curl.reset(curl_easy_init());
  CURL* curl = exchange.curl.get();
  for (const auto& header : request.headers) {
    exchange.header_list.reset(curl_slist_append(exchange.header_list.release(), header.c_str()));
  }
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, exchange.header_list.get());
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "attnviz/0.1");
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, request.connect_timeout_s);
  // Less than one byte a second for stall_timeout_s seconds: give up instead of hanging.
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, request.stall_timeout_s);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &exchange.response.headers);
}

void perform(Exchange& exchange) {
  const CURLcode code = curl_easy_perform(exchange.curl.get());
  curl_easy_getinfo(exchange.curl.get(), CURLINFO_RESPONSE_CODE, &exchange.response.status);
  if (code != CURLE_OK) exchange.response.transport_error = curl_easy_strerror(code);
}

struct Sink {
  CURL* curl = nullptr;
  std::FILE* file = nullptr;
  std::uint64_t offset = 0;
  const std::function<void(std::uint64_t)>* on_bytes = nullptr;
  bool decided = false;
  bool writing = false;
  std::uint64_t on_disk = 0;
  std::uint64_t written = 0;
};

// The first body byte decides: 206 appends to the partial file, 200 restarts it, anything else
// (an error page) is dropped so it never ends up inside a model file.
bool decide(Sink& sink) {
  long status = 0;
  curl_easy_getinfo(sink.curl, CURLINFO_RESPONSE_CODE, &status);
  sink.decided = true;
  if (status == 206) {
    sink.writing = true;
    sink.on_disk = sink.offset;
  } else if (status == 200) {
    sink.writing = true;
    sink.on_disk = 0;
    if (sink.offset > 0 && ftruncate(fileno(sink.file), 0) != 0) return false;
  }
  return true;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto& sink = *static_cast<Sink*>(user);
  const size_t bytes = size * count;
  if (!sink.decided && !decide(sink)) return 0;
  if (!sink.writing) return bytes;
  if (std::fwrite(data, 1, bytes, sink.file) != bytes) return 0;  // disk full: libcurl reports it
  sink.on_disk += bytes;
  sink.written += bytes;
  if (*sink.on_bytes) (*sink.on_bytes)(sink.on_disk);
  return bytes;
}

}  // namespace

HttpResponse http_head(const HttpRequest& request) {
  Exchange exchange;
  prepare(exchange, request);
  curl_easy_setopt(exchange.curl.get(), CURLOPT_NOBODY, 1L);
  curl_easy_setopt(exchange.curl.get(), CURLOPT_TIMEOUT,
                   request.connect_timeout_s + request.stall_timeout_s);
  perform(exchange);
  return std::move(exchange.response);
}

HttpResponse http_get_to_file(const HttpRequest& request, std::FILE* sink, std::uint64_t offset,
                              const std::function<void(std::uint64_t)>& on_bytes) {
  Exchange exchange;
  prepare(exchange, request);
  Sink state{exchange.curl.get(), sink, offset, &on_bytes};
  CURL* curl = exchange.curl.get();
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &state);
  const std::string range = std::to_string(offset) + "-";
  if (offset > 0) curl_easy_setopt(curl, CURLOPT_RANGE, range.c_str());
  perform(exchange);
  std::fflush(sink);
  exchange.response.body_bytes = state.written;
  return std::move(exchange.response);
}

std::string url_origin(const std::string& url) {
  ensure_curl_initialized();
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> parsed(curl_url(), curl_url_cleanup);
  if (curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return "";
  std::string origin;
  for (const auto& [part, separator] :
       {std::pair{CURLUPART_SCHEME, "://"}, {CURLUPART_HOST, ":"}, {CURLUPART_PORT, ""}}) {
    char* value = nullptr;
    if (curl_url_get(parsed.get(), part, &value, CURLU_DEFAULT_PORT) != CURLUE_OK) return "";
    origin += lower(value) + separator;
    curl_free(value);
  }
  return origin;
}

}  // namespace attnviz::hub
