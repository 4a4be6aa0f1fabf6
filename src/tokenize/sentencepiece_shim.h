/* The C interface of the sentencepiece shim (sentencepiece_shim.cpp). */
#pragma once

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef void (*attnviz_spm_text_sink)(void* context, const char* text, size_t length);
typedef void (*attnviz_spm_piece_sink)(void* context, int id, const char* piece, size_t length,
                                       unsigned begin, unsigned end);

void* attnviz_spm_open(const char* path, char* error, size_t error_capacity);
void attnviz_spm_close(void* processor);
int attnviz_spm_piece_size(const void* processor);
int attnviz_spm_piece_to_id(const void* processor, const char* piece, size_t length);
void attnviz_spm_id_to_piece(const void* processor, int id, attnviz_spm_text_sink sink,
                             void* context);
void attnviz_spm_encode(const void* processor, const char* text, size_t length,
                        attnviz_spm_piece_sink sink, void* context);

#ifdef __cplusplus
}
#endif
