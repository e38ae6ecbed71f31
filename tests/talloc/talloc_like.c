/* talloc_like.c: blocks laid out as talloc lays out its chunks (a 96-byte
 * header whose size field sits 32 bytes before the address handed out, 16
 * bytes more for a pool's header), for `leakcheck run`'s reachability scan:
 * kept_chunk and pool_chunk are held in a static list by that address (as
 * tevent's backend list holds its entries) and are still reachable;
 * lost_chunk's only pointer is dropped (definitely lost); decoy_block is held
 * at the same offset but its word there is not the size left, so it stays
 * possibly lost. Our own layout, no talloc code. Not on any hook path. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HDR 96
#define POOL_HDR 16

static void *volatile registry[3]; /* volatile: the pointers survive -O2 */
static void *volatile sink;

static char *chunk_at(char *block, size_t prefix, size_t size) {
    char *user = block + prefix + HDR;
    memset(block, 0, prefix + HDR);
    memcpy(user - 32, &size, sizeof size); /* the chunk's size field */
    return user;
}

__attribute__((noinline)) static char *kept_chunk(size_t size) {
    return chunk_at(malloc(HDR + size), 0, size);
}

__attribute__((noinline)) static char *pool_chunk(size_t size) {
    return chunk_at(malloc(POOL_HDR + HDR + size), POOL_HDR, size);
}

__attribute__((noinline)) static char *lost_chunk(size_t size) {
    char *user = chunk_at(malloc(HDR + size), 0, size);
    memset(user, 0x22, size); /* a body of its own: not folded into kept_chunk */
    return user;
}

__attribute__((noinline)) static char *decoy_block(size_t size) {
    char *b = malloc(HDR + size);
    memset(b, 0x11, HDR + size); /* no size field: 0x1111... is not what is left */
    return b + HDR;
}

int main(void) {
    registry[0] = kept_chunk(40);
    registry[1] = pool_chunk(200);
    registry[2] = decoy_block(64);
    sink = lost_chunk(24);
    sink = NULL;
    printf("kept %p %p, decoy %p\n", registry[0], registry[1], registry[2]);
    return 0;
}
