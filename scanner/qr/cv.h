// Small C bridge to the parts of OpenCV 4.6 the QR cascade uses. Every
// function works on caller-owned 8-bit grey buffers and never keeps a
// pointer after it returns; every C++ exception is caught here.
#ifndef CHECKPOINT_QR_CV_H
#define CHECKPOINT_QR_CV_H
#ifdef __cplusplus
extern "C" {
#endif

typedef void *cpLocator;

// cp_locator_new creates an OpenCV QRCodeDetector. NULL on failure.
cpLocator cp_locator_new(void);
void cp_locator_free(cpLocator l);

// cp_detect runs QRCodeDetector::detect and writes 4 corners (x,y pairs)
// into pts. Returns 1 when found, 0 when not, -1 on an OpenCV error.
int cp_detect(cpLocator l, const unsigned char *src, int w, int h, int stride, float *pts);

// cp_resize scales src into dst (dw x dh, stride dw). interp: 0 area,
// 1 linear, 2 cubic.
int cp_resize(const unsigned char *src, int w, int h, int stride, unsigned char *dst, int dw, int dh, int interp);

// cp_sharpen writes an unsharp-masked copy of src into dst (stride w).
int cp_sharpen(const unsigned char *src, int w, int h, int stride, unsigned char *dst, double sigma, double amount);

// cp_warp maps the quadrangle quad (8 floats) of src onto a side x side
// square with a white margin of margin pixels on every side into dst
// (stride side+2*margin).
int cp_warp(const unsigned char *src, int w, int h, int stride, const float *quad, unsigned char *dst, int side, int margin);

#ifdef __cplusplus
}
#endif
#endif
