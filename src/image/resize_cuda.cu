/* resize_cuda.cu — CUDA kernels of resize.c: Pillow's two integer passes, NEAREST, RGBA
 * premultiplication. Taps come from the host (cfy_pil_coeffs_make), so results are bit-exact with
 * the CPU path. The supersample chain is run as two whole resizes (the 8x intermediate lives in
 * device memory: 64 * w * h * C bytes, 805 MB for a 2048^2 RGB result). */
#include "core/cuda_common.h"

extern "C" {
#include "image/resize_coeffs.h"
#include "image/resize_cuda.h"
}

/* ---- kernels ---- */

__device__ __forceinline__ unsigned char clip8_dev(int acc)
{
    if (acc < 0) return 0;
    acc >>= CFY_PIL_PRECISION_BITS;
    return acc > 255 ? 255 : (unsigned char)acc;
}

/* out[y][o][c] for y < rows, o < n_out: one thread per output sample. */
__global__ void resize_hpass_kernel(const unsigned char *in, long long w_in, unsigned char *out, long long n_out,
                                    long long rows, int C, const int *bounds, const int *k, int ksize)
{
    long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (i >= rows * n_out * C) return;
    int c = (int)(i % C);
    long long o = (i / C) % n_out, y = i / C / n_out;
    int xmin = bounds[2 * o], n = bounds[2 * o + 1];
    const int *kk = k + o * ksize;
    const unsigned char *p = in + (y * w_in + xmin) * C + c;
    int acc = 1 << (CFY_PIL_PRECISION_BITS - 1);
    for (int j = 0; j < n; j++) acc += p[j * C] * kk[j];
    out[i] = clip8_dev(acc);
}

/* out[o][x] for o < n_out, x < len (= width * C): one thread per output sample. */
__global__ void resize_vpass_kernel(const unsigned char *in, long long len, unsigned char *out, long long n_out,
                                    const int *bounds, const int *k, int ksize)
{
    long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (i >= n_out * len) return;
    long long x = i % len, o = i / len;
    int ymin = bounds[2 * o], n = bounds[2 * o + 1];
    const int *kk = k + o * ksize;
    int acc = 1 << (CFY_PIL_PRECISION_BITS - 1);
    for (int j = 0; j < n; j++) acc += in[(ymin + j) * len + x] * kk[j];
    out[i] = clip8_dev(acc);
}

__global__ void resize_nearest_kernel(const unsigned char *in, long long w_in, unsigned char *out, long long w,
                                      long long h, int C, const int *mx, const int *my)
{
    long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (i >= w * h * C) return;
    int c = (int)(i % C);
    long long x = (i / C) % w, y = i / C / w;
    out[i] = (mx[x] < 0 || my[y] < 0) ? 0 : in[((long long)my[y] * w_in + mx[x]) * C + c];
}

__global__ void resize_premultiply_kernel(unsigned char *p, long long npix)
{
    long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (i >= npix) return;
    unsigned a = p[4 * i + 3];
    for (int c = 0; c < 3; c++) {
        unsigned t = p[4 * i + c] * a + 128;
        p[4 * i + c] = (unsigned char)(((t >> 8) + t) >> 8);
    }
}

__global__ void resize_unpremultiply_kernel(unsigned char *p, long long npix)
{
    long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (i >= npix) return;
    unsigned a = p[4 * i + 3];
    if (a == 0 || a == 255) return;
    for (int c = 0; c < 3; c++) {
        unsigned v = 255u * p[4 * i + c] / a;
        p[4 * i + c] = (unsigned char)(v > 255 ? 255 : v);
    }
}

/* ---- launchers ---- */

/* Device copy of a coefficient table (bounds then taps in one allocation). */
static cfy_status upload_coeffs(const cfy_pil_coeffs *c, int **dev, cfy_error *err)
{
    size_t nb = 2 * (size_t)c->n_out, nk = (size_t)c->n_out * (size_t)c->ksize;
    CFY_CUDA_TRY(err, cudaMalloc((void **)dev, sizeof(int) * (nb + nk)));
    CFY_CUDA_TRY(err, cudaMemcpy(*dev, c->bounds, sizeof(int) * nb, cudaMemcpyHostToDevice));
    CFY_CUDA_TRY(err, cudaMemcpy(*dev + nb, c->k, sizeof(int) * nk, cudaMemcpyHostToDevice));
    return CFY_OK;
}

static cfy_status hpass(const unsigned char *in, long long w_in, unsigned char *out, long long rows, int C,
                        long long n_out, cfy_resample m, cfy_error *err)
{
    cfy_pil_coeffs c;
    int *dev = NULL;
    cfy_status st = cfy_pil_coeffs_make(w_in, n_out, m, &c, err);
    if (st != CFY_OK) return st;
    st = upload_coeffs(&c, &dev, err);
    if (st == CFY_OK) {
        long long n = rows * n_out * C;
        resize_hpass_kernel<<<cfy_cuda_grid(n), CFY_CUDA_BLOCK>>>(in, w_in, out, n_out, rows, C, dev,
                                                                    dev + 2 * n_out, c.ksize);
        cudaError_t e = cudaGetLastError();
        if (e != cudaSuccess) st = cfy_error_set(err, CFY_EDEVICE, "resize: horizontal pass: %s", cudaGetErrorString(e));
    }
    cudaFree(dev);
    cfy_pil_coeffs_free(&c);
    return st;
}

static cfy_status vpass(const unsigned char *in, long long h_in, long long len, unsigned char *out, long long n_out,
                        cfy_resample m, cfy_error *err)
{
    cfy_pil_coeffs c;
    int *dev = NULL;
    cfy_status st = cfy_pil_coeffs_make(h_in, n_out, m, &c, err);
    if (st != CFY_OK) return st;
    st = upload_coeffs(&c, &dev, err);
    if (st == CFY_OK) {
        long long n = n_out * len;
        resize_vpass_kernel<<<cfy_cuda_grid(n), CFY_CUDA_BLOCK>>>(in, len, out, n_out, dev, dev + 2 * n_out,
                                                                    c.ksize);
        cudaError_t e = cudaGetLastError();
        if (e != cudaSuccess) st = cfy_error_set(err, CFY_EDEVICE, "resize: vertical pass: %s", cudaGetErrorString(e));
    }
    cudaFree(dev);
    cfy_pil_coeffs_free(&c);
    return st;
}

/* One Pillow resize of one image, device to device. tmp: scratch of at least
 * max(w_out*h_in, w_in*h_out, w_in*h_in)*C bytes. */
static cfy_status resize_one_dev(const unsigned char *src, long long w_in, long long h_in, int C, unsigned char *dst,
                                 long long w, long long h, cfy_resample m, bool legacy, unsigned char *tmp,
                                 unsigned char *pm, cfy_error *err)
{
    if (w_in == w && h_in == h) {
        CFY_CUDA_TRY(err, cudaMemcpy(dst, src, (size_t)(w * h * C), cudaMemcpyDeviceToDevice));
        return CFY_OK;
    }
    cfy_status st = CFY_OK;
    if (m == CFY_RESAMPLE_NEAREST) {
        int *hm = (int *)malloc(sizeof(int) * (size_t)(w + h)), *dm = NULL;
        if (!hm) return cfy_error_set(err, CFY_ENOMEM, "resize: out of memory");
        cfy_pil_nearest_map(w_in, w, hm);
        cfy_pil_nearest_map(h_in, h, hm + w);
        cudaError_t e = cudaMalloc((void **)&dm, sizeof(int) * (size_t)(w + h));
        if (e == cudaSuccess) e = cudaMemcpy(dm, hm, sizeof(int) * (size_t)(w + h), cudaMemcpyHostToDevice);
        if (e == cudaSuccess) {
            resize_nearest_kernel<<<cfy_cuda_grid(w * h * C), CFY_CUDA_BLOCK>>>(src, w_in, dst, w, h, C, dm, dm + w);
            e = cudaGetLastError();
        }
        if (e != cudaSuccess) st = cfy_error_set(err, CFY_EDEVICE, "resize: nearest: %s", cudaGetErrorString(e));
        cudaFree(dm);
        free(hm);
        return st;
    }
    if (C == 4) {
        CFY_CUDA_TRY(err, cudaMemcpy(pm, src, (size_t)(w_in * h_in * 4), cudaMemcpyDeviceToDevice));
        resize_premultiply_kernel<<<cfy_cuda_grid(w_in * h_in), CFY_CUDA_BLOCK>>>(pm, w_in * h_in);
        CFY_CUDA_TRY(err, cudaGetLastError());
        src = pm;
    }
    bool need_h = w_in != w, need_v = h_in != h;
    if (need_h && need_v && cfy_pil_vertical_first(w_in, h_in, w, h, legacy)) {
        st = vpass(src, h_in, w_in * C, tmp, h, m, err);
        if (st == CFY_OK) st = hpass(tmp, w_in, dst, h, C, w, m, err);
    } else if (need_h && need_v) {
        st = hpass(src, w_in, tmp, h_in, C, w, m, err);
        if (st == CFY_OK) st = vpass(tmp, h_in, w * C, dst, h, m, err);
    } else if (need_h) {
        st = hpass(src, w_in, dst, h_in, C, w, m, err);
    } else {
        st = vpass(src, h_in, w_in * C, dst, h, m, err);
    }
    if (st == CFY_OK && C == 4) {
        resize_unpremultiply_kernel<<<cfy_cuda_grid(w * h), CFY_CUDA_BLOCK>>>(dst, w * h);
        CFY_CUDA_TRY(err, cudaGetLastError());
    }
    return st;
}

static long long max3(long long a, long long b, long long c) { return a > b ? (a > c ? a : c) : (b > c ? b : c); }

extern "C" cfy_status cfy_image_resize_u8_cuda(const cfy_tensor *src, cfy_tensor *out, cfy_resample method,
                                               bool supersample, bool legacy, cfy_error *err)
{
    int off = src->ndim - 3;
    long long B = off ? src->sizes[0] : 1, H = src->sizes[off], W = src->sizes[off + 1];
    int C = (int)src->sizes[off + 2];
    long long h = out->sizes[off], w = out->sizes[off + 1];
    long long W8 = supersample ? 8 * w : w, H8 = supersample ? 8 * h : h;
    size_t scratch = (size_t)max3(W8 * H, W * H8, W8 * H8) * (size_t)C;
    size_t mid = supersample ? (size_t)(W8 * H8 * C) : 0;
    size_t pm = C == 4 ? (size_t)max3(W * H, W8 * H8, 1) * 4 : 0;
    unsigned char *buf = NULL;
    CFY_CUDA_TRY(err, cudaMalloc((void **)&buf, scratch + mid + pm + 1));
    unsigned char *tmp = buf, *mbuf = buf + scratch, *pbuf = buf + scratch + mid;
    cfy_status st = CFY_OK;
    const unsigned char *s = (const unsigned char *)cfy_tensor_data(src);
    unsigned char *d = (unsigned char *)cfy_tensor_data(out);
    for (long long b = 0; b < B && st == CFY_OK; b++) {
        const unsigned char *sb = s + b * H * W * C;
        unsigned char *db = d + b * h * w * C;
        if (supersample) {
            st = resize_one_dev(sb, W, H, C, mbuf, W8, H8, method, legacy, tmp, pbuf, err);
            if (st == CFY_OK) st = resize_one_dev(mbuf, W8, H8, C, db, w, h, method, legacy, tmp, pbuf, err);
        } else {
            st = resize_one_dev(sb, W, H, C, db, w, h, method, legacy, tmp, pbuf, err);
        }
    }
    cudaFree(buf);
    return st;
}
