// zbar (Debian libzbar-dev): reads the loyalty QR code a shopper holds up to the camera.
#include <zbar.h>
