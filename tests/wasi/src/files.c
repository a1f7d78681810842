/* Files and directories beneath the preopened directory argv[1] (which starts empty):
 * open/creat/excl/trunc, read/write, seek/tell, pread/pwrite, append, truncate, allocate,
 * advise, sync, stat and times, mkdir/rmdir, readdir, rename, link, symlink/readlink, unlink. */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "wasi_test.h"

static char path_buf[4][256];
static const char *P(int slot, const char *base, const char *name) {
    snprintf(path_buf[slot], sizeof path_buf[slot], "%s/%s", base, name);
    return path_buf[slot];
}

static int cmp(const void *a, const void *b) { return strcmp(*(char **)a, *(char **)b); }

static void list(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) { printf("opendir %s errno=%d\n", dir, errno); return; }
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        char *s = malloc(strlen(e->d_name) + 4);
        const char *kind = e->d_type == DT_DIR ? "/" : e->d_type == DT_LNK ? "@" :
                           e->d_type == DT_REG ? "" : "?";
        sprintf(s, "%s%s", e->d_name, kind);
        names[n++] = s;
    }
    closedir(d);
    qsort(names, n, sizeof names[0], cmp);
    printf("ls %s:", dir + strlen(dir) - (strlen(dir) > 8 ? 8 : strlen(dir)));
    for (int i = 0; i < n; i++) { printf(" %s", names[i]); free(names[i]); }
    printf("\n");
}

int main(int argc, char **argv) {
    const char *d = argc > 1 ? argv[1] : "/sandbox";
    char buf[64];
    struct stat st;
    int fd, fd2;

    /* create, write, read back */
    T(fd = open(P(0, d, "a.txt"), O_CREAT | O_RDWR | O_EXCL, 0644));
    T(write(fd, "hello, world\n", 13));
    T(lseek(fd, 0, SEEK_CUR));
    T(lseek(fd, 7, SEEK_SET));
    memset(buf, 0, sizeof buf);
    T(read(fd, buf, 5));
    printf("read: %s\n", buf);
    T(lseek(fd, -3, SEEK_END));
    T(lseek(fd, -100, SEEK_CUR));
    T(pwrite(fd, "HELLO", 5, 0));
    memset(buf, 0, sizeof buf);
    T(pread(fd, buf, 12, 0));
    printf("pread: %s\n", buf);
    T(lseek(fd, 0, SEEK_CUR));
    {
        struct iovec iov[2] = {{"ab", 2}, {"cdef", 4}};
        T(lseek(fd, 0, SEEK_END));
        T(writev(fd, iov, 2) > 0); /* may be short */
        T(lseek(fd, 15, SEEK_SET));
        T(write(fd, "cdef", 4));
        char x[3] = {0}, y[5] = {0};
        struct iovec in[2] = {{x, 2}, {y, 4}};
        T(lseek(fd, 13, SEEK_SET));
        T(readv(fd, in, 2) > 0);
        printf("readv: %s\n", x);
    }
    T(fstat(fd, &st));
    printf("size=%lld regular=%d nlink=%lld\n", (long long)st.st_size, S_ISREG(st.st_mode),
           (long long)st.st_nlink);
    T(ftruncate(fd, 5));
    T(fstat(fd, &st));
    printf("size after truncate=%lld\n", (long long)st.st_size);
    T(posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL));
    T(fsync(fd));
    T(fdatasync(fd));
    T(ftruncate(fd, 5));
    T(close(fd));
    T(close(fd));
    T(open(P(0, d, "a.txt"), O_CREAT | O_EXCL | O_WRONLY, 0644));

    /* append mode, O_TRUNC, fcntl flags */
    T(fd = open(P(0, d, "a.txt"), O_WRONLY | O_APPEND));
    T(write(fd, "+more", 5));
    T(fcntl(fd, F_GETFL) & O_APPEND ? 1 : 0);
    T(fcntl(fd, F_SETFL, 0));
    T(fcntl(fd, F_GETFL) & O_APPEND ? 1 : 0);
    T(lseek(fd, 0, SEEK_SET));
    T(write(fd, "X", 1));
    T(read(fd, buf, 1));
    T(close(fd));
    T(fd = open(P(0, d, "a.txt"), O_RDONLY));
    memset(buf, 0, sizeof buf);
    T(read(fd, buf, sizeof buf - 1));
    printf("content: %s\n", buf);
    T(write(fd, "no", 2));
    T(close(fd));
    T(fd = open(P(0, d, "a.txt"), O_WRONLY | O_TRUNC));
    T(fstat(fd, &st));
    printf("size after O_TRUNC=%lld\n", (long long)st.st_size);
    T(close(fd));
    T(open(P(0, d, "missing"), O_RDONLY));
    T(open(P(0, d, "a.txt/x"), O_RDONLY));
    T(open(P(0, d, "a.txt"), O_RDONLY | O_DIRECTORY));

    /* times */
    {
        struct timespec ts[2] = {{1000000000, 123456789}, {1500000000, 987654321}};
        T(utimensat(AT_FDCWD, P(0, d, "a.txt"), ts, 0));
        T(stat(P(0, d, "a.txt"), &st));
        printf("atime=%lld.%09ld mtime=%lld.%09ld\n", (long long)st.st_atim.tv_sec,
               st.st_atim.tv_nsec, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
        struct timespec omit[2] = {{0, UTIME_OMIT}, {42, 0}};
        T(fd = open(P(0, d, "a.txt"), O_RDWR));
        T(futimens(fd, omit));
        T(fstat(fd, &st));
        printf("atime=%lld mtime=%lld\n", (long long)st.st_atim.tv_sec,
               (long long)st.st_mtim.tv_sec);
        T(close(fd));
    }

    /* directories */
    T(mkdir(P(0, d, "sub"), 0755));
    T(mkdir(P(0, d, "sub"), 0755));
    T(mkdir(P(0, d, "sub/deeper"), 0755));
    T(stat(P(0, d, "sub"), &st));
    printf("sub is dir: %d\n", S_ISDIR(st.st_mode));
    T(fd = open(P(0, d, "sub/f1"), O_CREAT | O_WRONLY, 0644));
    T(close(fd));
    T(rmdir(P(0, d, "sub")));
    T(rmdir(P(0, d, "sub/f1")));
    T(unlink(P(0, d, "sub/deeper")));
    T(rmdir(P(0, d, "sub/deeper")));
    T(open(P(0, d, "sub"), O_WRONLY));

    /* rename */
    T(rename(P(0, d, "a.txt"), P(1, d, "sub/b.txt")));
    T(stat(P(0, d, "a.txt"), &st));
    T(stat(P(0, d, "sub/b.txt"), &st));
    T(rename(P(0, d, "sub/b.txt"), P(1, d, "sub/f1")));
    T(rename(P(0, d, "sub"), P(1, d, "sub2")));
    T(rename(P(0, d, "sub2"), P(1, d, "sub2/inside")));
    T(rename(P(0, d, "nothing"), P(1, d, "x")));

    /* hard links */
    T(link(P(0, d, "sub2/f1"), P(1, d, "hard")));
    T(stat(P(0, d, "hard"), &st));
    printf("nlink=%lld\n", (long long)st.st_nlink);
    T(link(P(0, d, "sub2/f1"), P(1, d, "hard")));

    /* symbolic links */
    T(symlink("sub2/f1", P(0, d, "soft")));
    T(symlink("nowhere", P(0, d, "dangling")));
    T(readlink(P(0, d, "soft"), buf, sizeof buf));
    buf[7] = 0;
    printf("readlink: %s\n", buf);
    T(readlink(P(0, d, "soft"), buf, 3));
    T(readlink(P(0, d, "hard"), buf, sizeof buf));
    T(lstat(P(0, d, "soft"), &st));
    printf("soft: link=%d\n", S_ISLNK(st.st_mode));
    T(stat(P(0, d, "soft"), &st));
    printf("soft: reg=%d\n", S_ISREG(st.st_mode));
    T(fd = open(P(0, d, "soft"), O_RDONLY));
    T(close(fd));
    T(open(P(0, d, "soft"), O_RDONLY | O_NOFOLLOW));
    T(stat(P(0, d, "dangling"), &st));
    T(fd = open(P(0, d, "dangling"), O_CREAT | O_WRONLY, 0644));
    T(close(fd));
    T(stat(P(0, d, "nowhere"), &st));
    T(symlink("sub2", P(0, d, "dirlink")));
    T(stat(P(0, d, "dirlink/f1"), &st));
    T(symlink("loop2", P(0, d, "loop1")));
    T(symlink("loop1", P(0, d, "loop2")));
    T(open(P(0, d, "loop1"), O_RDONLY));

    /* readdir */
    list(d);
    list(P(2, d, "sub2"));

    /* unlink */
    T(unlink(P(0, d, "soft")));
    T(unlink(P(0, d, "hard")));
    T(unlink(P(0, d, "hard")));
    T(unlink(P(0, d, "sub2")));
    T(unlink(P(0, d, "sub2/f1/")));
    list(d);

    /* a directory descriptor, and paths relative to it */
    T(fd = open(P(0, d, "sub2"), O_RDONLY | O_DIRECTORY));
    T(fd2 = openat(fd, "f1", O_RDONLY));
    T(close(fd2));
    T(openat(fd, "../sub2/f1", O_RDONLY) >= 0);
    T(read(fd, buf, 1));
    T(mkdirat(fd, "made", 0755));
    T(fstatat(fd, "made", &st, 0));
    T(unlinkat(fd, "made", AT_REMOVEDIR));
    T(close(fd));
    return 0;
}
