// compute/image: loading, resizing and saving image files, and .npy output.
// Host code only: no Vulkan device is used here.
#include "image/files.h"
#include "image/npy.h"
#include "support/image_files_test.h"

#include <gegl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <numeric>
#include <set>
#include <string>

namespace nst::image {
namespace {

using namespace test;
namespace fs = std::filesystem;

class ImageIo : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "nst-image-io-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr) << std::strerror(errno);
    folder_ = pattern;
  }
  void TearDown() override { fs::remove_all(folder_); }

  std::string path(const std::string& name) const { return (folder_ / name).string(); }

  // The names in the test folder: what a failed save must not have added to.
  std::set<std::string> folder_contents() const {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(folder_)) names.insert(entry.path().filename().string());
    return names;
  }

  Image round_trip(const Image& image, const std::string& name) {
    save_image(image, path(name));
    return load_image(path(name));
  }

  fs::path folder_;
};

// --- loading ----------------------------------------------------------------------------

TEST_F(ImageIo, LoadsTheSharedPhotoInTheUnitRange) {
  const Image photo = load_image(shared_image("tuebingen.jpg"));
  EXPECT_EQ(photo.width, 640u);
  EXPECT_EQ(photo.height, 480u);
  ASSERT_EQ(photo.rgb.size(), 640u * 480u * 3u);
  EXPECT_TRUE(photo.alpha.empty());
  const auto [lowest, highest] = std::minmax_element(photo.rgb.begin(), photo.rgb.end());
  EXPECT_GE(*lowest, 0.0f);
  EXPECT_LE(*highest, 1.0f);
  EXPECT_GT(*highest - *lowest, 0.5f) << "a photograph uses much of the range";
}

TEST_F(ImageIo, RecognisesTheFormatFromTheContentsNotTheName) {
  const Image image = gradient_image(9, 4);
  save_image(image, path("picture.png"));
  fs::rename(path("picture.png"), path("picture.dat"));
  const Image loaded = load_image(path("picture.dat"));
  EXPECT_EQ(loaded.width, 9u);
  EXPECT_LE(max_difference(loaded.rgb, image.rgb), 0.5f / 255 + 1e-6f);
}

TEST_F(ImageIo, LoadsAlphaWhenTheFileHasIt) {
  // An RGBA PNG written by GEGL directly: save_image writes colour only.
  const GeglRectangle extent{0, 0, 2, 1};
  const float pixels[] = {1.0f, 0.0f, 0.0f, 0.4f, 0.0f, 0.0f, 1.0f, 1.0f};
  GeglBuffer* buffer = gegl_buffer_new(&extent, babl_format("R'G'B'A float"));
  gegl_buffer_set(buffer, &extent, 0, babl_format("R'G'B'A float"), pixels, GEGL_AUTO_ROWSTRIDE);
  GeglNode* graph = gegl_node_new();
  GeglNode* source = gegl_node_new_child(graph, "operation", "gegl:buffer-source", "buffer", buffer, nullptr);
  GeglNode* saver = gegl_node_new_child(graph, "operation", "gegl:png-save", "path", path("rgba.png").c_str(),
                                        "bitdepth", 16, nullptr);
  gegl_node_link(source, saver);
  gegl_node_process(saver);
  g_object_unref(graph);
  g_object_unref(buffer);

  const Image loaded = load_image(path("rgba.png"));
  ASSERT_EQ(loaded.alpha.size(), 2u);
  EXPECT_NEAR(loaded.alpha[0], 0.4f, 1e-4f);
  EXPECT_NEAR(loaded.alpha[1], 1.0f, 1e-4f);
  EXPECT_NEAR(loaded.rgb[0], 1.0f, 1e-4f) << "colour is kept unassociated, not premultiplied";
  EXPECT_NEAR(loaded.rgb[5], 1.0f, 1e-4f);
}

TEST_F(ImageIo, AMissingFileIsAnErrorNamingIt) {
  const std::string missing = path("no such photo.jpg");
  const std::string message = message_of<std::runtime_error>([&] { load_image(missing); });
  EXPECT_NE(message.find(missing), std::string::npos) << message;
}

TEST_F(ImageIo, ATextFileNamedJpgIsAnErrorNamingIt) {
  // Never handed to GEGL's JPEG loader, which would end the process on it.
  write_bytes(path("notes.jpg"), "# not a picture\nat all\n");
  const std::string message = message_of<std::runtime_error>([&] { load_image(path("notes.jpg")); });
  EXPECT_NE(message.find(path("notes.jpg")), std::string::npos) << message;
}

TEST_F(ImageIo, AnEmptyFileOrAFolderIsAnErrorNamingIt) {
  write_bytes(path("empty.png"), "");
  fs::create_directory(path("folder.png"));
  for (const char* name : {"empty.png", "folder.png"}) {
    const std::string message = message_of<std::runtime_error>([&] { load_image(path(name)); });
    EXPECT_NE(message.find(path(name)), std::string::npos) << message;
  }
}

TEST_F(ImageIo, ADamagedPngIsAnErrorNamingIt) {
  // A sound signature and header, then image data that does not inflate: GEGL still gives
  // a buffer (of blank pixels), and only its warning tells.
  save_image(gradient_image(8, 8), path("sound.png"));
  const std::string header = read_bytes(path("sound.png")).substr(0, 33);  // signature + IHDR
  write_bytes(path("damaged.png"), header + std::string("\0\0\0\x10IDAT", 8) + std::string(20, '\x55'));
  const std::string message = message_of<std::runtime_error>([&] { load_image(path("damaged.png")); });
  EXPECT_NE(message.find(path("damaged.png")), std::string::npos) << message;
}

TEST_F(ImageIo, OtherFormatsMeetThePixelLimitFromTheirHeader) {
  // TIFF goes through GEGL's loader; its header's size is checked before it decodes.
  save_image(gradient_image(16, 16), path("sixteen.tif"));
  const std::string message = message_of<std::runtime_error>([&] { load_image(path("sixteen.tif"), {255}); });
  EXPECT_NE(message.find("limit of 255"), std::string::npos) << message;
  EXPECT_NE(message.find(path("sixteen.tif")), std::string::npos) << message;
  EXPECT_EQ(load_image(path("sixteen.tif"), {256}).width, 16u);
}

// --- resizing ---------------------------------------------------------------------------

TEST(FitLongestSide, ScalesTheOtherSideAndRoundsToNearest) {
  EXPECT_EQ(fit_longest_side({640, 480}, 256), (Size{256, 192}));
  EXPECT_EQ(fit_longest_side({640, 480}, 255), (Size{255, 191}));   // 191.25
  EXPECT_EQ(fit_longest_side({480, 640}, 255), (Size{191, 255}));   // portrait
  EXPECT_EQ(fit_longest_side({640, 481}, 256), (Size{256, 192}));   // 192.4
  EXPECT_EQ(fit_longest_side({640, 482}, 256), (Size{256, 193}));   // 192.8
  EXPECT_EQ(fit_longest_side({4, 3}, 2), (Size{2, 2}));             // 1.5: halves round up
  EXPECT_EQ(fit_longest_side({1000, 1}, 10), (Size{10, 1}));        // never below 1
  EXPECT_EQ(fit_longest_side({300, 300}, 512), (Size{512, 512}));   // upscaling
  EXPECT_EQ(fit_longest_side({640, 480}, 640), (Size{640, 480}));
  EXPECT_THROW(fit_longest_side({640, 480}, 0), std::invalid_argument);
  EXPECT_THROW(fit_longest_side({0, 480}, 256), std::invalid_argument);
}

TEST_F(ImageIo, ResizesThePhotoToTheRoundedSizes) {
  const Image photo = load_image(shared_image("tuebingen.jpg"));
  for (const auto& [size, want] : {std::pair{256u, Size{256, 192}}, std::pair{255u, Size{255, 191}}}) {
    const Image resized = resize_longest_side(photo, size);
    EXPECT_EQ((Size{resized.width, resized.height}), want);
    ASSERT_EQ(resized.rgb.size(), size_t(want.width) * want.height * 3);
    const auto [lowest, highest] = std::minmax_element(resized.rgb.begin(), resized.rgb.end());
    EXPECT_GE(*lowest, 0.0f);
    EXPECT_LE(*highest, 1.0f);
    // Interpolating the encoded values keeps their mean (linear light would brighten it by ~0.013).
    EXPECT_NEAR(mean(resized.rgb), mean(photo.rgb), 0.002);
  }
}

TEST_F(ImageIo, AnImageAlreadyAtTheSizeIsNotResampled) {
  const Image photo = load_image(shared_image("tuebingen.jpg"));
  const Image same = resize_longest_side(photo, 640);
  EXPECT_EQ(same.width, 640u);
  EXPECT_EQ(same.height, 480u);
  EXPECT_EQ(same.rgb, photo.rgb);  // the same bits
}

TEST_F(ImageIo, ResizingKeepsAConstantImageConstantUpToItsEdges) {
  const Image flat = constant_image(50, 30, 0.2f, 0.5f, 0.8f);
  for (uint32_t size : {20u, 49u, 120u}) {
    const Image resized = resize_longest_side(flat, size);
    ASSERT_EQ(resized.width, size);
    EXPECT_LE(max_difference(resized.rgb, constant_image(resized.width, resized.height, 0.2f, 0.5f, 0.8f).rgb), 1e-5f)
        << "size " << size << ": the border must not fade towards transparent black";
  }
}

TEST_F(ImageIo, ResizingCarriesAlphaAlong) {
  Image image = constant_image(40, 20, 0.3f, 0.3f, 0.3f);
  image.alpha.assign(40 * 20, 0.6f);
  const Image resized = resize_longest_side(image, 10);
  ASSERT_EQ(resized.alpha.size(), 10u * 5u);
  for (float a : resized.alpha) EXPECT_NEAR(a, 0.6f, 1e-5f);
  EXPECT_LE(max_difference(resized.rgb, constant_image(10, 5, 0.3f, 0.3f, 0.3f).rgb), 1e-5f);
}

TEST_F(ImageIo, ResizingRefusesAnInconsistentImage) {
  Image image = constant_image(4, 4, 0, 0, 0);
  image.rgb.pop_back();
  EXPECT_THROW(resize_longest_side(image, 2), std::invalid_argument);
}

// --- saving -----------------------------------------------------------------------------

TEST_F(ImageIo, PngIs8BitAndRoundTripsWithinHalfAStep) {
  const Image image = gradient_image(37, 23);
  const Image loaded = round_trip(image, "out.png");
  EXPECT_EQ(loaded.width, 37u);
  EXPECT_EQ(loaded.height, 23u);
  EXPECT_LE(max_difference(loaded.rgb, image.rgb), 0.5f / 255 + 1e-6f);
  EXPECT_EQ(read_bytes(path("out.png"))[24], 8) << "IHDR bit depth";
}

TEST_F(ImageIo, TiffIs16BitAndRoundTripsWithinHalfAStep) {
  const Image image = gradient_image(37, 23);
  for (const char* name : {"out.tif", "out.TIFF"}) {
    const Image loaded = round_trip(image, name);
    EXPECT_EQ(loaded.width, 37u);
    EXPECT_LE(max_difference(loaded.rgb, image.rgb), 0.5f / 65535 + 1e-7f) << name;
    EXPECT_GT(max_difference(loaded.rgb, image.rgb), 0.0f) << name << ": 16-bit, not float";
  }
}

TEST_F(ImageIo, ExrRoundTripsCloselyButNotExactly) {
  // GEGL reads the EXR's primaries back as a slightly different colour space (see the
  // header), which moves dark values most; mid-tones stay far inside 8-bit precision.
  const Image image = gradient_image(37, 23);
  const Image loaded = round_trip(image, "out.exr");
  EXPECT_EQ(loaded.width, 37u);
  EXPECT_LE(max_difference(loaded.rgb, image.rgb), 5e-4f);
  const Image grey = constant_image(5, 5, 0.5f, 0.5f, 0.5f);
  EXPECT_LE(max_difference(round_trip(grey, "grey.exr").rgb, grey.rgb), 2e-5f);
}

TEST_F(ImageIo, JpegRoundTripsClosely) {
  const Image image = gradient_image(64, 48);
  for (const char* name : {"out.jpg", "out.jpeg"}) {
    const Image loaded = round_trip(image, name);
    ASSERT_EQ(loaded.rgb.size(), image.rgb.size()) << name;
    double total = 0;
    for (size_t i = 0; i < image.rgb.size(); ++i) total += std::abs(loaded.rgb[i] - image.rgb[i]);
    EXPECT_LT(total / double(image.rgb.size()), 0.01) << name << ": quality 95";
    EXPECT_LT(max_difference(loaded.rgb, image.rgb), 0.1f) << name;
  }
}

TEST_F(ImageIo, SavingClampsToTheUnitRange) {
  Image image = constant_image(3, 1, 0.5f, 0.5f, 0.5f);
  image.rgb[0] = -0.5f;
  image.rgb[1] = 1.5f;
  image.rgb[2] = NAN;
  image.alpha.assign(3, 0.25f);  // not written: the output is opaque
  const Image loaded = round_trip(image, "clamped.tif");
  EXPECT_EQ(loaded.rgb[0], 0.0f);
  EXPECT_EQ(loaded.rgb[1], 1.0f);
  EXPECT_EQ(loaded.rgb[2], 0.0f);
  EXPECT_TRUE(loaded.alpha.empty());
}

TEST_F(ImageIo, SavingReplacesAnExistingFileWithOrdinaryPermissions) {
  save_image(gradient_image(40, 30), path("out.png"));
  save_image(gradient_image(4, 3), path("out.png"));
  EXPECT_EQ(load_image(path("out.png")).width, 4u);
  EXPECT_EQ(folder_contents(), std::set<std::string>{"out.png"});

  const mode_t umask_now = ::umask(0);
  ::umask(umask_now);
  const auto permissions = fs::status(path("out.png")).permissions();
  EXPECT_EQ(unsigned(permissions), unsigned(0666 & ~umask_now)) << "as for any new file, not a private temporary";
}

TEST_F(ImageIo, AnUnknownExtensionIsRefusedBeforeAnythingIsWritten) {
  const Image image = gradient_image(4, 4);
  for (const char* name : {"out.bmp", "out", "out.png.txt"}) {
    const std::string message = message_of<std::runtime_error>([&] { save_image(image, path(name)); });
    EXPECT_NE(message.find(path(name)), std::string::npos) << message;
  }
  EXPECT_TRUE(folder_contents().empty());
}

TEST_F(ImageIo, SavingIntoAMissingFolderFailsAndCreatesNothing) {
  const std::string target = path("missing/out.png");
  const std::string message = message_of<std::runtime_error>([&] { save_image(gradient_image(4, 4), target); });
  EXPECT_NE(message.find(target), std::string::npos) << message;
  EXPECT_TRUE(folder_contents().empty());
}

TEST_F(ImageIo, AFailureAfterWritingLeavesNoTemporaryFile) {
  // The rename onto a folder fails only after the image has been written in full.
  fs::create_directory(path("taken.png"));
  const std::string message =
      message_of<std::runtime_error>([&] { save_image(gradient_image(4, 4), path("taken.png")); });
  EXPECT_NE(message.find(path("taken.png")), std::string::npos) << message;
  EXPECT_EQ(folder_contents(), std::set<std::string>{"taken.png"});
  EXPECT_TRUE(fs::is_empty(path("taken.png")));

  const std::string npy_message = message_of<std::runtime_error>([&] { save_npy(path("taken.png"), {1.0f}, {1}); });
  EXPECT_NE(npy_message.find(path("taken.png")), std::string::npos) << npy_message;
  EXPECT_EQ(folder_contents(), std::set<std::string>{"taken.png"});
}

TEST_F(ImageIo, ASecondGeglSessionIsRefused) {
  EXPECT_THROW(GeglSession second, std::logic_error);
}

// --- .npy -------------------------------------------------------------------------------

// The bytes NumPy's format 1.0 prescribes: magic, version, little-endian header length,
// the dict padded with spaces to end, with its '\n', on a multiple of 64 bytes.
void expect_npy_header(const std::string& bytes, const std::string& dict) {
  ASSERT_GE(bytes.size(), 10u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  const size_t header_length = uint8_t(bytes[8]) | size_t(uint8_t(bytes[9])) << 8;
  EXPECT_EQ((10 + header_length) % 64, 0u);
  ASSERT_GE(bytes.size(), 10 + header_length);
  const std::string header = bytes.substr(10, header_length);
  EXPECT_EQ(header.substr(0, dict.size()), dict);
  EXPECT_EQ(header.back(), '\n');
  EXPECT_EQ(header.find_first_not_of(' ', dict.size()), header_length - 1) << "spaces, then '\\n'";
}

TEST_F(ImageIo, SaveNpyWritesNumpysFormat) {
  std::vector<float> data(24);
  for (size_t i = 0; i < data.size(); ++i) data[i] = 0.5f * float(i) - 3.0f;
  save_npy(path("grad.npy"), data, {3, 2, 4});

  const std::string bytes = read_bytes(path("grad.npy"));
  expect_npy_header(bytes, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2, 4), }");
  ASSERT_EQ(bytes.size(), 128 + data.size() * sizeof(float)) << "a 118-byte header, padded to 128";
  EXPECT_EQ(std::memcmp(bytes.data() + 128, data.data(), data.size() * sizeof(float)), 0);

  // NumPy itself, where this machine has it (an optional cross-check).
  if (std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0) {
    const std::string check = "/usr/bin/python3 -c \"import numpy, sys; a = numpy.load(sys.argv[1]); "
                              "sys.exit(not (a.dtype == numpy.float32 and a.shape == (3, 2, 4) and "
                              "(a.ravel() == numpy.arange(24, dtype=numpy.float32) * 0.5 - 3).all()))\" '" +
                              path("grad.npy") + "'";
    EXPECT_EQ(std::system(check.c_str()), 0) << check;
  }
}

TEST_F(ImageIo, SaveNpyWritesOneAndZeroDimensionalShapesAsPythonDoes) {
  save_npy(path("vector.npy"), {1, 2, 3, 4, 5}, {5});
  expect_npy_header(read_bytes(path("vector.npy")), "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }");
  save_npy(path("scalar.npy"), {7}, {});
  expect_npy_header(read_bytes(path("scalar.npy")), "{'descr': '<f4', 'fortran_order': False, 'shape': (), }");
}

TEST_F(ImageIo, SaveNpyRefusesAShapeThatDoesNotMatchTheData) {
  const std::string message =
      message_of<std::invalid_argument>([&] { save_npy(path("bad.npy"), std::vector<float>(5), {2, 3}); });
  EXPECT_NE(message.find(path("bad.npy")), std::string::npos) << message;
  EXPECT_TRUE(folder_contents().empty());
}

}  // namespace
}  // namespace nst::image
