// QR code symbols (Debian libqrencode-dev), for the share link the mirror shows to a shopper's phone.
#pragma once
#include <qrencode.h>
