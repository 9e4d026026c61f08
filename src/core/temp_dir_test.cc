#include "core/temp_dir.h"

#include <gtest/gtest.h>

#include <fstream>

namespace amp::core {
namespace {

TEST(TempDirTest, MakesAFreshFolderAndRemovesItWithItsContents) {
  std::filesystem::path kept;
  {
    TempDir first("amp_temp_dir_test");
    TempDir second("amp_temp_dir_test");
    ASSERT_FALSE(first.path().empty());
    EXPECT_NE(first.path(), second.path());
    EXPECT_TRUE(std::filesystem::is_directory(first.path()));
    std::filesystem::create_directories(first.path() / "nested");
    std::ofstream(first.path() / "nested" / "file.txt") << "bytes";
    kept = first.path();
  }
  EXPECT_FALSE(std::filesystem::exists(kept));
}

}  // namespace
}  // namespace amp::core
