/* early_pool.h: a library whose constructor allocates (early_pool.c). */
#ifndef EARLY_POOL_H
#define EARLY_POOL_H
int early_pool_grow(void);
void *early_pool_drop(void);
void early_pool_started(void);
#endif
