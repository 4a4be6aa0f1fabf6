// A C interface to libsentencepiece, built as its own shared object and loaded with RTLD_DEEPBIND
// (sentencepiece_library.cpp). libsentencepiece carries its own copy of protobuf-lite whose symbols
// collide with the libprotobuf that libtorch loads; linked into one program they crash it at
// start-up. Loaded this way, libsentencepiece binds to its own copy and nothing else sees it.
#include <sentencepiece_processor.h>

#include <cstddef>
#include <cstring>
#include <string>

#include "sentencepiece_shim.h"

namespace {

void copy_error(const std::string& message, char* error, std::size_t capacity) {
  if (error == nullptr || capacity == 0) return;
  const std::size_t length = std::min(message.size(), capacity - 1);
  std::memcpy(error, message.data(), length);
  error[length] = '\0';
}

}  // namespace

extern "C" {

void* attnviz_spm_open(const char* path, char* error, std::size_t error_capacity) {
  auto* processor = new sentencepiece::SentencePieceProcessor();
  const auto status = processor->Load(path);
  if (!status.ok()) {
    copy_error(status.ToString(), error, error_capacity);
    delete processor;
    return nullptr;
  }
  return processor;
}

void attnviz_spm_close(void* processor) {
  delete static_cast<sentencepiece::SentencePieceProcessor*>(processor);
}

int attnviz_spm_piece_size(const void* processor) {
  return static_cast<const sentencepiece::SentencePieceProcessor*>(processor)->GetPieceSize();
}

int attnviz_spm_piece_to_id(const void* processor, const char* piece, std::size_t length) {
  return static_cast<const sentencepiece::SentencePieceProcessor*>(processor)->PieceToId(
      std::string_view(piece, length));
}

void attnviz_spm_id_to_piece(const void* processor, int id, attnviz_spm_text_sink sink,
                             void* context) {
  const std::string& piece =
      static_cast<const sentencepiece::SentencePieceProcessor*>(processor)->IdToPiece(id);
  sink(context, piece.data(), piece.size());
}

void attnviz_spm_encode(const void* processor, const char* text, std::size_t length,
                        attnviz_spm_piece_sink sink, void* context) {
  const auto pieces =
      static_cast<const sentencepiece::SentencePieceProcessor*>(processor)->EncodeAsImmutableProto(
          std::string_view(text, length));
  for (const auto& piece : pieces.pieces()) {
    sink(context, static_cast<int>(piece.id()), piece.piece().data(), piece.piece().size(),
         piece.begin(), piece.end());
  }
}

}  // extern "C"
