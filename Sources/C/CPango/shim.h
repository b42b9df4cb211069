// Pango over Cairo (Debian libpango1.0-dev): text shaped by HarfBuzz, fonts found by fontconfig, lines wrapped
// and ellipsized by Pango.
#pragma once
#include <pango/pangocairo.h>
