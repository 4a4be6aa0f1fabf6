#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace attnviz::tokenize {

// libsentencepiece's SentencePieceProcessor, the part of its interface attnviz uses, reached
// through the shim (sentencepiece_shim.cpp) so that its protobuf copy never meets libtorch's.
class SentencePieceProcessor {
 public:
  struct Status {
    std::string error;  // empty when all went well
    bool ok() const { return error.empty(); }
    const std::string& ToString() const { return error; }
  };
  struct Piece {
    int id_ = 0;
    std::string piece_;
    unsigned begin_ = 0, end_ = 0;  // byte offsets into the encoded text
    int id() const { return id_; }
    const std::string& piece() const { return piece_; }
    unsigned begin() const { return begin_; }
    unsigned end() const { return end_; }
  };
  struct Pieces {
    std::vector<Piece> list;
    const std::vector<Piece>& pieces() const { return list; }
  };

  SentencePieceProcessor() = default;
  ~SentencePieceProcessor();
  SentencePieceProcessor(const SentencePieceProcessor&) = delete;
  SentencePieceProcessor& operator=(const SentencePieceProcessor&) = delete;

  Status Load(const std::string& path);
  int GetPieceSize() const;
  int PieceToId(std::string_view piece) const;
  std::string IdToPiece(int id) const;
  Pieces EncodeAsImmutableProto(std::string_view text) const;

 private:
  void* handle_ = nullptr;
};

}  // namespace attnviz::tokenize
