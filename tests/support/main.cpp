#include <gtest/gtest.h>

#include "kernel_test.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new nst::test::SharedContextEnvironment);
  return RUN_ALL_TESTS();
}
