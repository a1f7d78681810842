/* poll_oneoff with descriptor subscriptions: a regular file is always ready, stdin becomes
 * readable, a write end is writable, and a timeout alone expires. */
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#include "wasi_test.h"

int main(int argc, char **argv) {
    const char *d = argc > 1 ? argv[1] : "/sandbox";
    char path[256];
    snprintf(path, sizeof path, "%s/p.txt", d);
    int fd = open(path, O_CREAT | O_RDWR, 0644);
    T(fd >= 0);
    T(write(fd, "12345", 5));
    T(lseek(fd, 1, SEEK_SET));
    struct pollfd p[3] = {{fd, POLLRDNORM, 0}, {fd, POLLWRNORM, 0}, {1, POLLWRNORM, 0}};
    T(poll(p, 3, 1000));
    printf("revents: %d %d %d\n", p[0].revents, p[1].revents, p[2].revents);
    struct pollfd in = {0, POLLRDNORM, 0};
    T(poll(&in, 1, 5000));
    printf("stdin revents: %d\n", in.revents);
    char buf[16] = {0};
    T(read(0, buf, sizeof buf - 1));
    printf("stdin: %s\n", buf);
    struct pollfd bad = {99, POLLRDNORM, 0};
    T(poll(&bad, 1, 0));
    printf("bad revents: %d\n", bad.revents);
    T(close(fd));
    return 0;
}
