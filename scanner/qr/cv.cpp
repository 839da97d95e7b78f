#include "cv.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

namespace {
struct Locator {
	cv::QRCodeDetector qr;
};

cv::Mat view(const unsigned char *src, int w, int h, int stride) {
	return cv::Mat(h, w, CV_8UC1, const_cast<unsigned char *>(src), (size_t)stride);
}
}  // namespace

extern "C" {

cpLocator cp_locator_new(void) {
	try {
		return new Locator();
	} catch (...) {
		return nullptr;
	}
}

void cp_locator_free(cpLocator l) { delete static_cast<Locator *>(l); }

int cp_detect(cpLocator lp, const unsigned char *src, int w, int h, int stride, float *pts) {
	try {
		Locator *l = static_cast<Locator *>(lp);
		std::vector<cv::Point2f> out;
		if (!l->qr.detect(view(src, w, h, stride), out) || out.size() != 4) {
			return 0;
		}
		for (int i = 0; i < 4; i++) {
			pts[2 * i] = out[i].x;
			pts[2 * i + 1] = out[i].y;
		}
		return 1;
	} catch (...) {
		return -1;
	}
}

int cp_resize(const unsigned char *src, int w, int h, int stride, unsigned char *dst, int dw, int dh, int interp) {
	try {
		cv::Mat d(dh, dw, CV_8UC1, dst);
		int flag = interp == 0 ? cv::INTER_AREA : interp == 1 ? cv::INTER_LINEAR : cv::INTER_CUBIC;
		cv::resize(view(src, w, h, stride), d, d.size(), 0, 0, flag);
		return 0;
	} catch (...) {
		return -1;
	}
}

int cp_sharpen(const unsigned char *src, int w, int h, int stride, unsigned char *dst, double sigma, double amount) {
	try {
		cv::Mat s = view(src, w, h, stride);
		cv::Mat blur;
		cv::GaussianBlur(s, blur, cv::Size(0, 0), sigma);
		cv::Mat d(h, w, CV_8UC1, dst);
		cv::addWeighted(s, 1 + amount, blur, -amount, 0, d);
		return 0;
	} catch (...) {
		return -1;
	}
}

int cp_warp(const unsigned char *src, int w, int h, int stride, const float *quad, unsigned char *dst, int side, int margin) {
	try {
		cv::Point2f from[4], to[4];
		for (int i = 0; i < 4; i++) from[i] = cv::Point2f(quad[2 * i], quad[2 * i + 1]);
		float m = (float)margin, e = (float)(margin + side);
		to[0] = cv::Point2f(m, m);
		to[1] = cv::Point2f(e, m);
		to[2] = cv::Point2f(e, e);
		to[3] = cv::Point2f(m, e);
		cv::Mat H = cv::getPerspectiveTransform(from, to);
		int full = side + 2 * margin;
		cv::Mat d(full, full, CV_8UC1, dst);
		cv::warpPerspective(view(src, w, h, stride), d, H, d.size(), cv::INTER_CUBIC, cv::BORDER_CONSTANT, cv::Scalar(255));
		return 0;
	} catch (...) {
		return -1;
	}
}

}  // extern "C"
