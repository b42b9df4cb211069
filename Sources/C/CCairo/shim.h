// Cairo 2D graphics (Debian libcairo2-dev); text goes through its fontconfig/FreeType backend.
#pragma once
#include <cairo/cairo.h>
