/* unjoined_threads.c: talloc's testsuite shape (pthread_talloc_passing):
 * 100 threads started into one pthread_t variable, each hands a block back
 * under a mutex and exits; none is joined or detached. `leakcheck run` must
 * count all 100 as exited and never joined, on the console and in the JSON.
 * Test code; not on any hook path. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define NUM_THREADS 100

static pthread_mutex_t mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int handed;
static void *volatile last; /* volatile: the hand-over survives -O2 */

static void *worker(void *arg) {
    void *p = malloc(100);
    pthread_mutex_lock(&mtx);
    if (last)
        free(last);
    last = p;
    handed++;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mtx);
    return arg;
}

int main(void) {
    pthread_t id; /* overwritten by every create, as talloc's test does */
    for (int i = 0; i < NUM_THREADS; i++)
        if (pthread_create(&id, NULL, worker, NULL) != 0) {
            fprintf(stderr, "unjoined_threads: pthread_create %d failed\n", i);
            return 2;
        }
    pthread_mutex_lock(&mtx);
    while (handed < NUM_THREADS)
        pthread_cond_wait(&cv, &mtx);
    free(last);
    last = NULL;
    pthread_mutex_unlock(&mtx);
    printf("handed %d\n", handed);
    return 0;
}
