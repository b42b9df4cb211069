// XNNPACK's subgraph API and pthreadpool (Debian libxnnpack-dev, libpthreadpool-dev; neither ships a
// pkg-config file, so the module map links them by name).
#pragma once
#include <stdint.h>
#include <xnnpack.h>
#include <pthreadpool.h>

// XNN_FLAG_* and XNN_VALUE_FLAG_* are `#define`d integer literals that Swift imports as Int32; these
// give them the uint32_t type every XNNPACK call takes.
static inline uint32_t cxnn_flag_tensorflow_same_padding(void) { return XNN_FLAG_TENSORFLOW_SAME_PADDING; }
static inline uint32_t cxnn_value_flag_external_input(void) { return XNN_VALUE_FLAG_EXTERNAL_INPUT; }
static inline uint32_t cxnn_value_flag_external_output(void) { return XNN_VALUE_FLAG_EXTERNAL_OUTPUT; }
static inline uint32_t cxnn_invalid_value_id(void) { return XNN_INVALID_VALUE_ID; }
// Bytes XNNPACK may read past the end of an input tensor (vectorised loads).
static inline size_t cxnn_extra_bytes(void) { return XNN_EXTRA_BYTES; }
