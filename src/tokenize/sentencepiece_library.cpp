#include "sentencepiece_library.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <array>

#include "attnviz/error.hpp"
#include "sentencepiece_shim.h"

namespace attnviz::tokenize {
namespace {

struct ShimFunctions {
  decltype(&attnviz_spm_open) open = nullptr;
  decltype(&attnviz_spm_close) close = nullptr;
  decltype(&attnviz_spm_piece_size) piece_size = nullptr;
  decltype(&attnviz_spm_piece_to_id) piece_to_id = nullptr;
  decltype(&attnviz_spm_id_to_piece) id_to_piece = nullptr;
  decltype(&attnviz_spm_encode) encode = nullptr;
};

// Where the shim is: ATTNVIZ_SENTENCEPIECE_SHIM, else next to the running program, else where the
// build put it (tests run from their own folders).
std::vector<std::filesystem::path> shim_candidates() {
  std::vector<std::filesystem::path> candidates;
  if (const char* path = std::getenv("ATTNVIZ_SENTENCEPIECE_SHIM")) candidates.emplace_back(path);
  std::error_code error;
  const auto program = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) candidates.push_back(program.parent_path() / ATTNVIZ_SENTENCEPIECE_SHIM_NAME);
  candidates.emplace_back(ATTNVIZ_SENTENCEPIECE_SHIM_BUILD_PATH);
  return candidates;
}

template <typename Function>
void bind(void* library, const char* name, Function& function) {
  function = reinterpret_cast<Function>(dlsym(library, name));
  if (function == nullptr)
    throw Error(std::string("the sentencepiece shim lacks ") + name + "; rebuild attnviz");
}

// AddressSanitizer cannot run a library opened with RTLD_DEEPBIND (google/sanitizers#611), so a
// sanitized build opens the shim plainly: fine where libtorch is not in the process, as in the
// tokenize tests.
#if defined(__SANITIZE_ADDRESS__)
constexpr int kDeepBind = 0;
#else
constexpr int kDeepBind = RTLD_DEEPBIND;
#endif

const ShimFunctions& shim() {
  static const ShimFunctions functions = [] {
    std::string tried;
    for (const auto& candidate : shim_candidates()) {
      if (!std::filesystem::exists(candidate)) {
        tried += " " + candidate.string();
        continue;
      }
      // RTLD_DEEPBIND: libsentencepiece resolves to its own protobuf copy, not libtorch's
      // libprotobuf.
      void* library = dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL | kDeepBind);
      if (library == nullptr) throw Error("cannot load " + candidate.string() + ": " + dlerror());
      ShimFunctions loaded;
      bind(library, "attnviz_spm_open", loaded.open);
      bind(library, "attnviz_spm_close", loaded.close);
      bind(library, "attnviz_spm_piece_size", loaded.piece_size);
      bind(library, "attnviz_spm_piece_to_id", loaded.piece_to_id);
      bind(library, "attnviz_spm_id_to_piece", loaded.id_to_piece);
      bind(library, "attnviz_spm_encode", loaded.encode);
      return loaded;
    }
    throw Error("SentencePiece models need " + std::string(ATTNVIZ_SENTENCEPIECE_SHIM_NAME) +
                ", which is not installed next to attnviz (looked at" + tried +
                "); set ATTNVIZ_SENTENCEPIECE_SHIM to its path");
  }();
  return functions;
}

}  // namespace

SentencePieceProcessor::~SentencePieceProcessor() {
  if (handle_ != nullptr) shim().close(handle_);
}

SentencePieceProcessor::Status SentencePieceProcessor::Load(const std::string& path) {
  std::array<char, 512> error{};
  void* handle = shim().open(path.c_str(), error.data(), error.size());
  if (handle == nullptr)
    return Status{error[0] != '\0' ? std::string(error.data()) : "unknown error"};
  if (handle_ != nullptr) shim().close(handle_);
  handle_ = handle;
  return Status{};
}

int SentencePieceProcessor::GetPieceSize() const {
  return handle_ ? shim().piece_size(handle_) : 0;
}

int SentencePieceProcessor::PieceToId(std::string_view piece) const {
  if (handle_ == nullptr) throw Error("no SentencePiece model loaded");
  return shim().piece_to_id(handle_, piece.data(), piece.size());
}

std::string SentencePieceProcessor::IdToPiece(int id) const {
  if (handle_ == nullptr) throw Error("no SentencePiece model loaded");
  std::string piece;
  shim().id_to_piece(
      handle_, id,
      [](void* context, const char* text, std::size_t length) {
        static_cast<std::string*>(context)->assign(text, length);
      },
      &piece);
  return piece;
}

SentencePieceProcessor::Pieces SentencePieceProcessor::EncodeAsImmutableProto(
    std::string_view text) const {
  if (handle_ == nullptr) throw Error("no SentencePiece model loaded");
  Pieces pieces;
  shim().encode(
      handle_, text.data(), text.size(),
      [](void* context, int id, const char* piece, std::size_t length, unsigned begin,
         unsigned end) {
        static_cast<Pieces*>(context)->list.push_back(
            Piece{id, std::string(piece, length), begin, end});
      },
      &pieces);
  return pieces;
}

}  // namespace attnviz::tokenize
