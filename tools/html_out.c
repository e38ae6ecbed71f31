/* html_out.c: the HTML report's output primitives: escaping every string that
 * comes from a report, a test's and a frame's name, and the SHA-256 hash (FIPS
 * 180-4) that the page's Content-Security-Policy names its inline script and
 * style by. Calls only src/xml.c's buffer and escaper; tool-side, never on the
 * hook path. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "html.h"

void lc__html_esc(struct lc_buf *b, const char *s) {
    /* XML's attribute escaping covers HTML text and quoted attributes alike:
     * & < > " ' as entities, malformed UTF-8 and control characters as
     * U+FFFD, so nothing from a report can open a tag or leave a quote. */
    lc__xml_escape(b, s, LC_XML_ATTR);
}

void lc__html_frame(struct lc_buf *b, const lc_frame *fr) {
    lc__html_esc(b, fr->function ? fr->function : "??");
    if (fr->file) {
        const char *base = strrchr(fr->file, '/');
        lc__buf_puts(b, " (");
        lc__html_esc(b, base ? base + 1 : fr->file);
        if (fr->line)
            lc__buf_printf(b, ":%u", fr->line);
        lc__buf_putc(b, ')');
    }
}

void lc__html_test_name(struct lc_buf *b, const struct lc_test_result *t) {
    if (t->group) {
        lc__html_esc(b, t->group);
        lc__buf_puts(b, " :: ");
    }
    lc__html_esc(b, t->name);
}

/* ---- SHA-256 ---- */

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

static uint32_t rotr(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

/* One 64-byte block into the state h. */
static void sha256_block(uint32_t h[8], const unsigned char *p) {
    uint32_t w[64], s[8];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    memcpy(s, h, sizeof s);
    for (int i = 0; i < 64; i++) {
        uint32_t e = s[4], a = s[0];
        uint32_t t1 = s[7] + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) +
                      ((e & s[5]) ^ (~e & s[6])) + K[i] + w[i];
        uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) +
                      ((a & s[1]) ^ (a & s[2]) ^ (s[1] & s[2]));
        memmove(s + 1, s, 7 * sizeof *s);
        s[4] += t1;
        s[0] = t1 + t2;
    }
    for (int i = 0; i < 8; i++)
        h[i] += s[i];
}

static void sha256(const unsigned char *data, size_t len, unsigned char out[32]) {
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    size_t full = len / 64 * 64;
    for (size_t i = 0; i < full; i += 64)
        sha256_block(h, data + i);
    /* the tail, a 0x80 byte, zeros, and the length in bits (big-endian) */
    unsigned char tail[128] = {0};
    size_t rest = len - full;
    memcpy(tail, data + full, rest);
    tail[rest] = 0x80;
    size_t tlen = rest + 1 + 8 <= 64 ? 64 : 128;
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++)
        tail[tlen - 1 - i] = (unsigned char)(bits >> (8 * i));
    for (size_t i = 0; i < tlen; i += 64)
        sha256_block(h, tail + i);
    for (int i = 0; i < 8; i++)
        for (int k = 0; k < 4; k++)
            out[4 * i + k] = (unsigned char)(h[i] >> (24 - 8 * k));
}

void lc__html_csp_hash(const char *text, size_t len, char *out, size_t outlen) {
    static const char b64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned char d[33] = {0};
    sha256((const unsigned char *)text, len, d);
    char enc[48];
    size_t k = 0;
    for (int i = 0; i < 32; i += 3) { /* 32 bytes: 10 full groups and 2 left */
        uint32_t v = (uint32_t)d[i] << 16 | (uint32_t)d[i + 1] << 8 |
                     (i + 2 < 32 ? d[i + 2] : 0);
        enc[k++] = b64[v >> 18 & 63];
        enc[k++] = b64[v >> 12 & 63];
        enc[k++] = b64[v >> 6 & 63];
        enc[k++] = i + 2 < 32 ? b64[v & 63] : '=';
    }
    enc[k] = '\0';
    snprintf(out, outlen, "'sha256-%s'", enc);
}
