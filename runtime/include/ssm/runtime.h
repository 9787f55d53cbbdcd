/*===- ssm/runtime.h - the runtime's C API ---------------------------------===*
 *
 * Load a compiled artifact (.ssmx), bind input tensors, run, read the outputs; turn text into
 * token ids and back. Every function that can fail returns an ssm_status; ssm_last_error()
 * then describes the failure (per thread).
 * Nothing here aborts the process on bad input.
 *
 *===----------------------------------------------------------------------===*/

#ifndef SSM_RUNTIME_H
#define SSM_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ssm_status {
  SSM_OK = 0,
  SSM_ERROR_INVALID_ARGUMENT = 1, /* a bad call: wrong count, shape, dtype, null pointer */
  SSM_ERROR_IO = 2,               /* a file could not be read or written */
  SSM_ERROR_FORMAT = 3,           /* a file is truncated, corrupt or of an unknown version */
  SSM_ERROR_UNSUPPORTED = 4,      /* valid, but not supported on this machine or build */
  SSM_ERROR_OUT_OF_MEMORY = 5,
  SSM_ERROR_EXECUTION = 6, /* compiled code reported a failure (e.g. inconsistent shapes) */
  SSM_ERROR_DEVICE = 7     /* the GPU driver reported an error */
} ssm_status;

/* Element types, numbered as ONNX's TensorProto.DataType. */
typedef enum ssm_dtype {
  SSM_DTYPE_UNDEFINED = 0,
  SSM_DTYPE_F32 = 1,
  SSM_DTYPE_U8 = 2,
  SSM_DTYPE_I8 = 3,
  SSM_DTYPE_U16 = 4,
  SSM_DTYPE_I16 = 5,
  SSM_DTYPE_I32 = 6,
  SSM_DTYPE_I64 = 7,
  SSM_DTYPE_BOOL = 9,
  SSM_DTYPE_F16 = 10,
  SSM_DTYPE_F64 = 11,
  SSM_DTYPE_U32 = 12,
  SSM_DTYPE_U64 = 13,
  SSM_DTYPE_BF16 = 16
} ssm_dtype;

/* The message of the last failure on this thread ("" if none). Valid until the next call. */
const char *ssm_last_error(void);

/* Bytes per element of `dtype`, 0 if unknown. */
size_t ssm_dtype_size(ssm_dtype dtype);
/* "f32", "bf16", ...; "?" if unknown. */
const char *ssm_dtype_name(ssm_dtype dtype);

/*--- tensors (host memory) ---------------------------------------------------*/

typedef struct ssm_tensor ssm_tensor;

/* A new tensor of `dtype` and `shape` (rank up to 8); its data is uninitialized. */
ssm_status ssm_tensor_create(ssm_dtype dtype, const int64_t *shape, int32_t rank, ssm_tensor **out);
void ssm_tensor_free(ssm_tensor *tensor);
ssm_dtype ssm_tensor_dtype(const ssm_tensor *tensor);
int32_t ssm_tensor_rank(const ssm_tensor *tensor);
const int64_t *ssm_tensor_shape(const ssm_tensor *tensor);
int64_t ssm_tensor_num_elements(const ssm_tensor *tensor);
size_t ssm_tensor_num_bytes(const ssm_tensor *tensor);
void *ssm_tensor_data(ssm_tensor *tensor);

/* Reads a serialized ONNX TensorProto (an input_K.pb / output_K.pb file). */
ssm_status ssm_tensor_read_pb(const char *path, ssm_tensor **out);
/* Writes `tensor` as a serialized ONNX TensorProto named `name` (may be null). The file is
 * written to a temporary name and renamed, so no partial file is left on failure. */
ssm_status ssm_tensor_write_pb(const ssm_tensor *tensor, const char *name, const char *path);

/*--- models ------------------------------------------------------------------*/

typedef struct ssm_model ssm_model;

typedef struct ssm_model_options {
  int32_t num_threads; /* CPU worker threads; 0: SSM_NUM_THREADS or the number of cores */
  /* Fill every buffer compiled code allocates with NaN bytes (0xff) before use, so that an
   * output element that is never written shows up. Also enabled by SSM_POISON=1. */
  int32_t poison_memory;
} ssm_model_options;

/* Loads and validates an artifact. `options` may be null. */
ssm_status ssm_model_load(const char *path, const ssm_model_options *options, ssm_model **out);
void ssm_model_free(ssm_model *model);

/* "cpu" or "cuda": what the artifact was compiled for. */
const char *ssm_model_target(const ssm_model *model);
/* The CPU baseline the loaded host code was built for ("x86-64-v3", "x86-64"). */
const char *ssm_model_cpu_baseline(const ssm_model *model);

int32_t ssm_model_num_inputs(const ssm_model *model);
int32_t ssm_model_num_outputs(const ssm_model *model);
const char *ssm_model_input_name(const ssm_model *model, int32_t index);
const char *ssm_model_output_name(const ssm_model *model, int32_t index);
ssm_dtype ssm_model_input_dtype(const ssm_model *model, int32_t index);
ssm_dtype ssm_model_output_dtype(const ssm_model *model, int32_t index);
/* The declared shape: -1 marks a dynamic dimension. */
int32_t ssm_model_input_rank(const ssm_model *model, int32_t index);
const int64_t *ssm_model_input_shape(const ssm_model *model, int32_t index);

/* Runs the model on `inputs` (in the artifact's order) and creates `outputs[i]` (the caller
 * frees them with ssm_tensor_free). Safe to call from several threads at once. */
ssm_status ssm_model_run(ssm_model *model, ssm_tensor *const *inputs, int32_t num_inputs,
                         ssm_tensor **outputs, int32_t num_outputs);

/* The GPU time of this thread's last ssm_model_run on a GPU artifact, in milliseconds: from the
 * start of its first kernel to the end of its last (copies excluded); 0 when it launched no
 * kernel; -1 for a CPU artifact or a failed run. */
double ssm_last_run_device_ms(void);

/*--- generation --------------------------------------------------------------*/

/* A session runs a language model token by token over `batch` sequences in lockstep and keeps
 * their decode state between calls. The model follows ONNX.md's names (those of
 * onnxruntime-genai): an input `input_ids` (batch, length) of integers and an output `logits`
 * (batch, length, vocab) or (batch, vocab); optional inputs `attention_mask` (batch, past +
 * length) and `position_ids` (batch, length), which the session fills; and for each state
 * input `past_key_values.{i}.{kind}` (or `past_{kind}.{i}`, `past_states.{i}.{kind}`) an
 * output `present.{i}.{kind}` (`present_{kind}.{i}`, `present_states.{i}.{kind}`) that becomes
 * its next value. States start as zeros, with every dynamic dimension but the batch at 0 (an
 * empty KV cache). A model without state inputs is run on the whole sequence at each call
 * (correct, but each step costs a prefill). */
typedef struct ssm_session ssm_session;

/* Checks that `model` (which must outlive the session) can generate and sets up `batch`
 * sequences. Every input the session cannot fill is an SSM_ERROR_INVALID_ARGUMENT naming it. */
ssm_status ssm_session_create(ssm_model *model, int32_t batch, ssm_session **out);
void ssm_session_free(ssm_session *session);
int32_t ssm_session_batch(const ssm_session *session);
/* Tokens fed to each sequence so far. */
int64_t ssm_session_length(const ssm_session *session);
/* Nonzero when the model carries its decode state (see above). */
int32_t ssm_session_has_state(const ssm_session *session);
/* Feeds `length` >= 1 tokens to every sequence (`ids`: batch x length, row-major): one run of
 * the model (the prefill, or a decode step with length 1). An id outside the vocabulary (the
 * logits' width) is an SSM_ERROR_INVALID_ARGUMENT. On failure the session is as before the
 * call. */
ssm_status ssm_session_feed(ssm_session *session, const int32_t *ids, int64_t length);
/* The logits of each sequence's last fed position as f32, batch x vocab, valid until the next
 * feed or reset; null before the first feed. */
const float *ssm_session_logits(const ssm_session *session);
/* The vocabulary size (the logits' last dimension); 0 before the first feed. */
int32_t ssm_session_vocab_size(const ssm_session *session);
/* Back to empty sequences: zero states. */
void ssm_session_reset(ssm_session *session);
/* A new session holding a copy of `session`'s sequences (states, length, logits): decoding
 * either one leaves the other as it was. */
ssm_status ssm_session_fork(const ssm_session *session, ssm_session **out);

typedef struct ssm_sampling {
  float temperature; /* 0: greedy (the most likely token, the lowest id among equals) */
  int32_t top_k;     /* sample among the k most likely tokens only; 0: among all */
  float top_p;       /* ... and among the fewest most likely whose probabilities reach p;
                        0 or 1: no limit */
} ssm_sampling;

/* Picks a token from `vocab` logits by `sampling` (null: greedy). `rng` is the caller's random
 * state: any value to start (the seed), advanced by each call that draws. NaN logits, a
 * negative temperature or top_k, or a top_p outside [0, 1] are SSM_ERROR_INVALID_ARGUMENT. */
ssm_status ssm_sample(const float *logits, int32_t vocab, const ssm_sampling *sampling,
                      uint64_t *rng, int32_t *token);

/*--- tokenizers --------------------------------------------------------------*/

typedef struct ssm_tokenizer ssm_tokenizer;

/* Loads a Hugging Face tokenizer.json holding a byte-level BPE (GPT-2, GPT-NeoX); its ids are
 * those of the `tokenizers` library. docs/Runtime.md lists what is supported and what is
 * refused (SSM_ERROR_UNSUPPORTED, naming the field). */
ssm_status ssm_tokenizer_load(const char *path, ssm_tokenizer **out);
/* The byte-level tokenizer: token i is byte i, a vocabulary of 256. */
ssm_status ssm_tokenizer_byte_level(ssm_tokenizer **out);
void ssm_tokenizer_free(ssm_tokenizer *tokenizer);
/* One past the largest token id. */
int32_t ssm_tokenizer_vocab_size(const ssm_tokenizer *tokenizer);

/* Encodes `length` bytes of `text` (which may hold NULs). *num_ids receives the number of ids.
 * With `ids` null the call only counts; else the ids are written to `ids` when `capacity` holds
 * them all, and when it does not, nothing is and the call fails (SSM_ERROR_INVALID_ARGUMENT).
 * Ill-formed UTF-8 is no error: the BPE tokenizer reads each ill-formed part as U+FFFD, the
 * byte-level one takes the bytes as they are. Safe to call from several threads at once. */
ssm_status ssm_tokenizer_encode(const ssm_tokenizer *tokenizer, const char *text, size_t length,
                                int32_t *ids, size_t capacity, size_t *num_ids);
/* Decodes `num_ids` ids; an id outside the vocabulary is an SSM_ERROR_INVALID_ARGUMENT. With
 * `skip_special` nonzero, special tokens (<|endoftext|>, ...) are left out. *length receives
 * the text's length in bytes. With `text` null the call only measures; else the text and a
 * terminating NUL are written to `text` when `capacity` > *length, and when not, nothing is
 * and the call fails (SSM_ERROR_INVALID_ARGUMENT). The BPE tokenizer's text is UTF-8 (byte
 * sequences that are not become U+FFFD, as in the `tokenizers` library); the byte-level one's is
 * the bytes. */
ssm_status ssm_tokenizer_decode(const ssm_tokenizer *tokenizer, const int32_t *ids, size_t num_ids,
                                int32_t skip_special, char *text, size_t capacity, size_t *length);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SSM_RUNTIME_H */
