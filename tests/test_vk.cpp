// The Vulkan runtime: device listing and choice, clear errors at the limits, dependent
// dispatches in one submission, sub-allocation, timestamps.
#include <cstdlib>
#include <optional>
#include <string>

#include "ops/relu.h"
#include "support/kernel_test.h"
#include "vk/error.h"
#include "vk/instance.h"

namespace nst::test {
namespace {

class Runtime : public KernelTest {};

vk::ContextOptions on_device(const std::string& device) {
  vk::ContextOptions options;
  options.device = device;
  options.validation = true;
  return options;
}

TEST(VectorWidth, LavapipeGets512BitsOnAvx512UnlessTheUserChose) {
  EXPECT_EQ(vk::lavapipe_vector_width(nullptr, true), "512");
  EXPECT_EQ(vk::lavapipe_vector_width(nullptr, false), std::nullopt);
  EXPECT_EQ(vk::lavapipe_vector_width("256", true), std::nullopt);
  EXPECT_EQ(vk::lavapipe_vector_width("", true), std::nullopt);  // set, if empty: the user's
}

TEST_F(Runtime, TheVectorWidthIsSetBeforeTheDriverLoads) {
  // The fixture's instance exists: the variable is the user's, or 512 on an AVX-512 CPU.
  const char* width = std::getenv("LP_NATIVE_VECTOR_WIDTH");
  if (vk::cpu_has_avx512()) {
    ASSERT_NE(width, nullptr);
  }
  if (width != nullptr && std::string(width) == "512" && ctx().info().name.find("llvmpipe") != std::string::npos) {
    EXPECT_NE(ctx().info().name.find("512 bits"), std::string::npos) << ctx().info().name;
  }
}

TEST_F(Runtime, ListsDevicesWithTypeMemoryAndLimits) {
  const auto devices = vk::list_devices();
  ASSERT_FALSE(devices.empty());
  for (const auto& d : devices) {
    EXPECT_FALSE(d.name.empty());
    EXPECT_GT(d.limits.max_storage_buffer_range, 0u);
    EXPECT_GT(d.limits.max_shared_memory, 0u);
    EXPECT_GT(d.limits.subgroup_size, 0u);
    EXPECT_NE(vk::describe(d).find(d.name), std::string::npos);
  }
}

TEST_F(Runtime, ChoosesDeviceByIndexAndByNameSubstring) {
  const auto devices = vk::list_devices();
  const auto& last = devices.back();
  vk::Context by_index(on_device(std::to_string(last.index)));
  EXPECT_EQ(by_index.info().name, last.name);
  std::string fragment = last.name.substr(0, 4);
  for (char& c : fragment) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  vk::Context by_name(on_device(fragment));
  EXPECT_EQ(by_name.info().name.substr(0, 4), last.name.substr(0, 4));
  EXPECT_TRUE(by_index.validation_messages().empty());
}

TEST_F(Runtime, UnknownDeviceIsAClearErrorListingTheDevices) {
  try {
    vk::Context context(on_device("no-such-gpu-xyz"));
    FAIL() << "expected an error";
  } catch (const vk::Error& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-gpu-xyz"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(ctx().info().name), std::string::npos) << e.what();
  }
  EXPECT_THROW(vk::Context(on_device("999")), vk::Error);
}

TEST_F(Runtime, ImpossibleAllocationIsAClearError) {
  try {
    vk::Buffer huge(ctx(), VkDeviceSize{1} << 50, vk::MemoryUse::device, "impossible");
    FAIL() << "expected an error";
  } catch (const vk::Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("impossible"), std::string::npos) << message;
    EXPECT_NE(message.find("MiB"), std::string::npos) << message;
  }
  EXPECT_EQ(ctx().allocator().bytes_in_use(), 0u);
}

TEST_F(Runtime, TensorBeyondStorageBufferRangeIsRefused) {
  const uint64_t floats = ctx().limits().max_storage_buffer_range / sizeof(float) + 1;
  try {
    Tensor t(ctx(), Shape{1, 1, static_cast<uint32_t>(std::min<uint64_t>(floats, UINT32_MAX))}, "too big");
    FAIL() << "expected an error";
  } catch (const vk::Error& e) {
    EXPECT_NE(std::string(e.what()).find("maxStorageBufferRange"), std::string::npos) << e.what();
  }
}

TEST_F(Runtime, BuffersShareBlocksAndFreeThemAgain) {
  const uint64_t before = ctx().allocator().bytes_in_use();
  {
    Tensor a(ctx(), Shape{1, 1, 1000}, "a");
    Tensor b(ctx(), Shape{1, 1, 1000}, "b");
    EXPECT_GE(ctx().allocator().bytes_in_use(), before + 8000);
    a.upload(random_values(1000, 1));
    b.upload(random_values(1000, 2));
    EXPECT_EQ(a.download(), random_values(1000, 1));
    EXPECT_EQ(b.download(), random_values(1000, 2));
  }
  EXPECT_EQ(ctx().allocator().bytes_in_use(), before);
  EXPECT_GE(ctx().allocator().peak_bytes(), before + 8000);
}

// A chain of dispatches, each reading what the previous wrote, in one submission: wrong
// or missing barriers show as stale values.
TEST_F(Runtime, DependentDispatchesInOneSubmissionSeeEachOthersWrites) {
  const Shape shape{4, 33, 17};
  auto x = random_values(shape.count(), 7);
  Tensor a = make_tensor(ctx(), shape, x);
  Tensor b(ctx(), shape, "b");
  Tensor grad(ctx(), shape, "grad");
  Tensor ones = make_tensor(ctx(), shape, std::vector<float>(shape.count(), 1.0f));
  vk::Recorder rec(ctx());
  rec.timestamp("start");
  for (int i = 0; i < 20; ++i) {
    ops::relu(rec, a, b);
    ops::relu_grad(rec, ones, b, a);  // a = [b > 0]
    ops::relu_grad(rec, a, a, a);     // in place
  }
  rec.timestamp("chain");
  rec.submit();
  std::vector<double> want(x.size());
  for (size_t i = 0; i < x.size(); ++i) want[i] = x[i] > 0 ? 1.0 : 0.0;
  EXPECT_EQ(normalized_error(a.download(), want), 0.0);
  if (ctx().limits().timestamps) {
    const auto timings = rec.timings();
    ASSERT_EQ(timings.size(), 1u);
    EXPECT_EQ(timings[0].label, "chain");
    EXPECT_GE(timings[0].ms, 0.0);
  }
}

// The profile charges every dispatch, copy and fill to its kernel, across a flush too; the
// recorder's own timestamps are left alone.
TEST_F(Runtime, ProfileCountsEveryKernelAcrossFlushes) {
  const Shape shape{2, 9, 7};
  Tensor a = make_tensor(ctx(), shape, random_values(shape.count(), 3));
  Tensor b(ctx(), shape, "b");
  vk::KernelProfile profile;
  vk::Recorder rec(ctx());
  rec.profile_into(profile);
  rec.timestamp("start");
  for (int i = 0; i < 3; ++i) ops::relu(rec, a, b);
  rec.flush();
  rec.fill(b.span(), 0);
  rec.copy(a.span(), b.span());
  ops::relu(rec, a, b);
  rec.timestamp("end");
  rec.submit();
  if (!ctx().limits().timestamps) {
    EXPECT_TRUE(profile.kernels.empty()) << "nothing to time without timestamps";
    return;
  }
  ASSERT_EQ(profile.kernels.size(), 3u);
  EXPECT_EQ(profile.kernels.at("relu").calls, 4u);
  EXPECT_EQ(profile.kernels.at("fill").calls, 1u);
  EXPECT_EQ(profile.kernels.at("copy").calls, 1u);
  EXPECT_EQ(profile.untimed, 0u);
  EXPECT_GE(profile.total_ms(), 0.0);
  EXPECT_EQ(rec.timings().size(), 1u) << "the recorder's own timestamps are apart from the profile";
}

TEST_F(Runtime, MismatchedShapesAreRefusedBeforeRecording) {
  Tensor a(ctx(), Shape{1, 2, 3}, "a");
  Tensor b(ctx(), Shape{1, 3, 2}, "b");
  vk::Recorder rec(ctx());
  EXPECT_THROW(ops::relu(rec, a, b), nst::Error);
}

TEST(NoDriver, MissingVulkanDriverIsAClearError) {
  // The loader reads these at instance creation: point them at a driver that is not there.
  const char* saved_files = std::getenv("VK_DRIVER_FILES");
  const char* saved_icd = std::getenv("VK_ICD_FILENAMES");
  const std::string restore_files = saved_files ? saved_files : "";
  const std::string restore_icd = saved_icd ? saved_icd : "";
  setenv("VK_DRIVER_FILES", "/nonexistent/driver.json", 1);
  setenv("VK_ICD_FILENAMES", "/nonexistent/driver.json", 1);
  try {
    vk::Context context;
    ADD_FAILURE() << "expected an error without a driver";
  } catch (const vk::Error& e) {
    EXPECT_NE(std::string(e.what()).find("mesa-vulkan-drivers"), std::string::npos) << e.what();
  }
  saved_files ? setenv("VK_DRIVER_FILES", restore_files.c_str(), 1) : unsetenv("VK_DRIVER_FILES");
  saved_icd ? setenv("VK_ICD_FILENAMES", restore_icd.c_str(), 1) : unsetenv("VK_ICD_FILENAMES");
}

}  // namespace
}  // namespace nst::test
