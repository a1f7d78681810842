/* Escape attempts from the preopened directory argv[1]; a read-only preopen argv[2]
 * (containing the file "ro.txt") refuses writes.  Every line reports the errno. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "wasi_test.h"

static char pb[4][512];
static const char *P(int slot, const char *base, const char *name) {
    snprintf(pb[slot], sizeof pb[slot], "%s/%s", base, name);
    return pb[slot];
}

int main(int argc, char **argv) {
    const char *d = argc > 1 ? argv[1] : "/sandbox";
    const char *ro = argc > 2 ? argv[2] : "/ro";
    struct stat st;
    char buf[64];
    int fd;

    /* escapes with .. and absolute paths: wasi-libc passes relative paths to the preopen */
    T(open(P(0, d, ".."), O_RDONLY));
    T(open(P(0, d, "../etc/passwd"), O_RDONLY));
    T(open(P(0, d, "a/../../x"), O_RDONLY));
    T(stat("/etc/passwd", &st));
    T(open("/", O_RDONLY));
    T(fd = open(d, O_RDONLY | O_DIRECTORY));
    T(openat(fd, "..", O_RDONLY));
    T(openat(fd, "../../../../../../etc/passwd", O_RDONLY));
    T(mkdirat(fd, "x", 0755));
    T(openat(fd, "x/../..", O_RDONLY));
    T(openat(fd, "x/..", O_RDONLY) >= 0);
    T(openat(fd, "x/../x/./..", O_RDONLY | O_DIRECTORY) >= 0);

    /* symlinks made by the guest that point outside */
    T(symlink("/etc", P(0, d, "abs")));
    T(symlink("..", P(0, d, "up")));
    T(symlink("x/../..", P(0, d, "up2")));
    T(symlink("up/etc/passwd", P(0, d, "deep")));
    T(open(P(0, d, "up"), O_RDONLY));
    T(open(P(0, d, "up/etc/passwd"), O_RDONLY));
    T(open(P(0, d, "up2"), O_RDONLY | O_DIRECTORY));
    T(open(P(0, d, "deep"), O_RDONLY));
    T(stat(P(0, d, "up/"), &st));
    T(lstat(P(0, d, "up"), &st));
    T(readlink(P(0, d, "up"), buf, sizeof buf));
    T(open(P(0, d, "up/new"), O_CREAT | O_WRONLY, 0644));
    T(mkdir(P(0, d, "up/newdir"), 0755));
    T(rename(P(0, d, "x"), P(1, d, "up/x")));
    T(link(P(0, d, "up/etc/passwd"), P(1, d, "pw")));
    T(unlink(P(0, d, "up/somefile")));
    T(opendir(P(0, d, "up")) != 0);

    /* a symlink that stays inside is fine */
    T(symlink("x", P(0, d, "in")));
    T(stat(P(0, d, "in"), &st));
    T(symlink("x/../in", P(0, d, "in2")));
    T(stat(P(0, d, "in2"), &st));

    /* the read-only preopen */
    T(fd = open(P(0, ro, "ro.txt"), O_RDONLY));
    T(read(fd, buf, 2));
    T(write(fd, "x", 1));
    T(close(fd));
    T(open(P(0, ro, "ro.txt"), O_WRONLY));
    T(open(P(0, ro, "ro.txt"), O_RDWR));
    T(open(P(0, ro, "new.txt"), O_CREAT | O_WRONLY, 0644));
    T(mkdir(P(0, ro, "newdir"), 0755));
    T(unlink(P(0, ro, "ro.txt")));
    T(rename(P(0, ro, "ro.txt"), P(1, ro, "moved.txt")));
    T(symlink("ro.txt", P(0, ro, "link")));
    T(truncate(P(0, ro, "ro.txt"), 0));
    T(rename(P(0, ro, "ro.txt"), P(1, d, "stolen.txt")));
    T(stat(P(0, ro, "ro.txt"), &st));
    printf("ro.txt size=%lld\n", (long long)st.st_size);
    return 0;
}
