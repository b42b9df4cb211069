// Barcode symbols (Debian libzint-dev): the EAN-13 and Code 128 price tags of the test and demo scenes, which the
// mirror reads back with zbar. The device itself only reads barcodes; it never draws one.
#pragma once
#include <zint.h>
