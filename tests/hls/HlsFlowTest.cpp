//===- HlsFlowTest.cpp - replay testbench and vimq-hls generation, without the AMD tools -------===//

#include "vimq/support/Npy.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <sys/wait.h>

namespace {

class HlsFlow : public ::testing::Test {
protected:
  void SetUp() override { ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("vimq-hls", dir)); }
  void TearDown() override { llvm::sys::fs::remove_directories(dir); }

  std::string path(llvm::StringRef name) const {
    llvm::SmallString<128> p(dir);
    llvm::sys::path::append(p, name);
    return std::string(p);
  }
  void write(llvm::StringRef name, llvm::StringRef text) const {
    std::ofstream(path(name)) << text.str();
  }
  std::string read(llvm::StringRef name) const {
    std::ifstream in(path(name), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  /// Runs a shell command, stdout+stderr in `log`; returns the exit code (-1 if it did not exit).
  int run(const std::string &cmd) {
    int status = std::system((cmd + " > " + path("log") + " 2>&1").c_str());
    log = read("log");
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  bool contains(llvm::StringRef file, llvm::StringRef text) const {
    return read(file).find(text.str()) != std::string::npos;
  }

  /// Assembles a small program for `target` and runs it (on the sim, which has every target
  /// built in) with --dump-replay into `replay`.
  void dumpReplay(const std::string &target = "zcu102") {
    write("p.s", ".target " + target + R"(
.buffer 1 input 64
.buffer 2 output 64
.input x buf=1 off=0 dtype=i32 shape=2x8
.output y buf=2 off=0 dtype=i32 shape=2x8
LOAD buf=vec, dtype=i32, reverse=1, pitch=8, rows=2, cols=8, ddr_buf=1, ddr_stride=32 ; push=store
STORE buf=vec, dtype=i32, pitch=8, rows=2, cols=8, ddr_buf=2, ddr_stride=32 ; pop=load
FINISH
)");
    std::vector<int32_t> x(16);
    for (int i = 0; i < 16; ++i)
      x[i] = 5 * i - 3;
    ASSERT_FALSE(bool(vimq::writeNpy(path("x.npy"), vimq::Tensor::fromVector<int32_t>({2, 8}, x))));
    ASSERT_EQ(run(std::string(VIMQ_AS) + " " + path("p.s") + " -o " + path("p.vimq")), 0) << log;
    ASSERT_EQ(run(std::string(VIMQ_RUN) + " " + path("p.vimq") + " --input x=" + path("x.npy") +
                  " --output " + path("out") + " --dump-replay " + path("replay")),
              0)
        << log;
  }

  /// vimq-hls with PATH holding only cmake: the HLS tools are certainly absent.
  int runHlsWithoutTools(const std::string &args) {
    llvm::sys::fs::create_directories(path("bin"));
    llvm::sys::fs::create_link(CMAKE_PROGRAM, path("bin/cmake"));
    return run("env PATH=" + path("bin") + " " + PYTHON3 + " " + VIMQ_HLS + " " + args);
  }
  /// Stand-ins for the AMD tools on PATH (bin/): each appends its arguments to tools.log and
  /// succeeds, so a step that is not refused runs and leaves its command line there.
  void fakeTools(std::initializer_list<const char *> tools) {
    llvm::sys::fs::create_directories(path("bin"));
    for (const char *tool : tools) {
      write(std::string("bin/") + tool,
            "#!/bin/sh\necho \"" + std::string(tool) + " $*\" >> " + path("tools.log") + "\n");
      llvm::sys::fs::setPermissions(path(std::string("bin/") + tool), llvm::sys::fs::all_exe |
                                                                            llvm::sys::fs::owner_all);
    }
  }

  llvm::SmallString<128> dir;
  std::string log;
};

TEST_F(HlsFlow, ReplayPassesAndACorruptedByteFailsWithItsLocation) {
  dumpReplay();
  for (const char *f : {"insns.bin", "buffers.bin", "ddr_in.bin", "ddr_expected.bin", "meta.txt"})
    EXPECT_TRUE(llvm::sys::fs::exists(path(std::string("replay/") + f))) << f;
  EXPECT_TRUE(contains("replay/meta.txt", "insns 3\n"));
  EXPECT_TRUE(contains("replay/meta.txt", "buffers 3\n")) << "ids 0..2, 0 unused";
  EXPECT_EQ(read("replay/insns.bin").size(), 3u * 32);

  ASSERT_EQ(run(std::string(REPLAY_TB_ZCU102) + " " + path("replay")), 0) << log;
  EXPECT_NE(log.find("PASS"), std::string::npos) << log;
  EXPECT_NE(log.find("for vimq_overlay ("), std::string::npos) << "the concurrent core ran: " << log;
  EXPECT_NE(log.find("and vimq_seq ("), std::string::npos) << "the sequential kernel ran: " << log;

  // Buffer 2 (the output) starts at 4096 (4 KiB-aligned after buffer 1); flip its byte 5.
  std::string expected = read("replay/ddr_expected.bin");
  ASSERT_GT(expected.size(), 4096u + 5);
  expected[4096 + 5] ^= 0x40;
  write("replay/ddr_expected.bin", expected);
  EXPECT_EQ(run(std::string(REPLAY_TB_ZCU102) + " " + path("replay")), 1) << log;
  // Both cores are compared with the recording, each on its own copy of the input image.
  EXPECT_NE(log.find("FAIL: buffer 2 offset 5:"), std::string::npos) << log;
  EXPECT_NE(log.find("(vimq_overlay)\n"), std::string::npos) << log;
  EXPECT_NE(log.find("(vimq_seq)\n"), std::string::npos) << log;
  EXPECT_EQ(log.find("PASS"), std::string::npos) << log;
}

TEST_F(HlsFlow, ReplayOfAWrongInputImageFailsForBothCores) {
  // The input image with the input buffer (1, at 0) changed: both runs now store other bytes.
  dumpReplay();
  std::string in = read("replay/ddr_in.bin");
  ASSERT_GT(in.size(), 4u);
  in[4] ^= 0x01;
  write("replay/ddr_in.bin", in);
  EXPECT_EQ(run(std::string(REPLAY_TB_ZCU102) + " " + path("replay")), 1) << log;
  EXPECT_NE(log.find("(vimq_overlay)\n"), std::string::npos) << log;
  EXPECT_NE(log.find("(vimq_seq)\n"), std::string::npos) << log;
}

TEST_F(HlsFlow, ReplayOfAnotherTargetIsRefused) {
  dumpReplay();
  EXPECT_EQ(run(std::string(REPLAY_TB_VC709) + " " + path("replay")), 1) << log;
  EXPECT_NE(log.find("recorded on 'sim (zcu102)'"), std::string::npos) << log;
  EXPECT_EQ(run(std::string(REPLAY_TB_ZCU102) + " " + path("nope")), 1) << log;
  EXPECT_NE(log.find("cannot read"), std::string::npos) << log;
}

// A vc709 bundle runs on the sim's vc709 target: its replay is vc709's, which replay_tb_vc709
// passes and replay_tb_zcu102 refuses.
TEST_F(HlsFlow, ReplayOfAVc709Bundle) {
  dumpReplay("vc709");
  EXPECT_TRUE(contains("replay/meta.txt", "target sim (vc709)\n")) << read("replay/meta.txt");
  ASSERT_EQ(run(std::string(REPLAY_TB_VC709) + " " + path("replay")), 0) << log;
  EXPECT_NE(log.find("PASS"), std::string::npos) << log;
  EXPECT_EQ(run(std::string(REPLAY_TB_ZCU102) + " " + path("replay")), 1) << log;
  EXPECT_NE(log.find("recorded on 'sim (vc709)'"), std::string::npos) << log;
}

TEST_F(HlsFlow, Zcu102SequentialIsTheDefaultAndOneVitisKernel) {
  ASSERT_EQ(runHlsWithoutTools("--board zcu102 --generate-only --out " + path("z")), 0) << log;
  EXPECT_NE(log.find("(sequential core)"), std::string::npos) << log;
  EXPECT_EQ(log.find("warning"), std::string::npos) << "nothing to refuse: " << log;
  const std::string tcl = "z/hls/vimq_seq.tcl";
  EXPECT_TRUE(contains(tcl, "set_top vimq_seq\n")) << read(tcl);
  EXPECT_TRUE(contains(tcl, "set_part {xczu9eg-ffvb1156-2-e}"));
  EXPECT_TRUE(contains(tcl, "create_clock -period 2.857 "));
  EXPECT_TRUE(contains(tcl, "open_solution -reset sol -flow_target vitis\n"));
  EXPECT_TRUE(contains(tcl, "csim_design"));
  EXPECT_TRUE(contains(tcl, "cosim_design"));
  EXPECT_TRUE(contains(tcl, "export_design -format xo -output {" + path("z/vimq_seq.xo") + "}"));
  // Design: vimq_seq and the modules' Exec functions; FETCH's top and the harness: testbench.
  EXPECT_TRUE(contains(tcl, "hw/src/Sequential.cpp} -cflags {-std=c++14"));
  EXPECT_TRUE(contains(tcl, "hw/src/Vector.cpp} -cflags {-std=c++14"));
  EXPECT_TRUE(contains(tcl, "hw/src/Fetch.cpp} -cflags {-std=c++17"));
  EXPECT_FALSE(contains(tcl, "hw/src/Vector.cpp} -cflags {-std=c++17")) << "design, not tb";
  EXPECT_TRUE(contains(tcl, "hw/hls/tb/replay_tb.cpp}"));
  EXPECT_FALSE(llvm::sys::fs::exists(path("z/hls/fetch.tcl")));
  EXPECT_FALSE(llvm::sys::fs::exists(path("z/vivado/core.tcl")));

  EXPECT_TRUE(contains("z/link.cfg", "nk=vimq_seq:1:vimq_seq_1\n"));
  EXPECT_TRUE(contains("z/link.cfg", "sp=vimq_seq_1.m_axi_gmem0:HP0\n"));
  EXPECT_TRUE(contains("z/link.cfg", "sp=vimq_seq_1.m_axi_gmem1:HP1\n"));
  EXPECT_TRUE(contains("z/link.cfg", "[clock]\nfreqHz=350000000:vimq_seq_1\n"));
  EXPECT_TRUE(contains("z/run.sh", "v++ --link --target hw --platform xilinx_zcu102_base_202310_1 "));
  EXPECT_TRUE(contains("z/run.sh", "vimq_overlay.xclbin " + path("z/vimq_seq.xo")));
}

TEST_F(HlsFlow, SequentialLinkRunsAndConcurrentLinkIsRefused) {
  // With (fake) tools on PATH: the sequential core's link step runs v++ on the HLS kernel...
  fakeTools({"vitis_hls", "vivado", "v++"});
  ASSERT_EQ(run("env PATH=" + path("bin") + ":/usr/bin:/bin " + PYTHON3 + " " + VIMQ_HLS +
                " --board zcu102 --steps link --out " + path("z")),
            0)
      << log;
  EXPECT_TRUE(contains("tools.log", "v++ --link --target hw --platform xilinx_zcu102_base_202310_1 "
                                    "--config " + path("z/link.cfg")))
      << read("tools.log");
  EXPECT_TRUE(contains("tools.log", "-o " + path("z/vimq_overlay.xclbin") + " " +
                                        path("z/vimq_seq.xo")));
  ASSERT_EQ(run("env PATH=" + path("bin") + ":/usr/bin:/bin VIMQ_ZCU102_PLATFORM=my.xpfm " +
                PYTHON3 + " " + VIMQ_HLS + " --board zcu102 --steps link --out " + path("z")),
            0)
      << log;
  EXPECT_TRUE(contains("tools.log", "--platform my.xpfm ")) << read("tools.log");
  ASSERT_EQ(run("env PATH=" + path("bin") + ":/usr/bin:/bin " + PYTHON3 + " " + VIMQ_HLS +
                " --board vc709 --steps bd --out " + path("v")),
            0)
      << log;
  EXPECT_TRUE(contains("tools.log", "vivado -mode batch -nojournal -source " +
                                        path("v/vivado/bd.tcl")));

  // ... while the concurrent core's is refused before any tool runs, for the same reasons as
  // before: the shared memories and the undriven LOAD/STORE inputs.
  write("tools.log", "");
  EXPECT_EQ(run("env PATH=" + path("bin") + ":/usr/bin:/bin " + PYTHON3 + " " + VIMQ_HLS +
                " --board zcu102 --core concurrent --steps link --out " + path("zc")),
            1)
      << log;
  EXPECT_NE(log.find("vimq-hls: error: memory 'act'"), std::string::npos) << log;
  EXPECT_NE(log.find("nothing in the core drives it"), std::string::npos) << log;
  EXPECT_EQ(run("env PATH=" + path("bin") + ":/usr/bin:/bin " + PYTHON3 + " " + VIMQ_HLS +
                " --board vc709 --core concurrent --steps bd --out " + path("vc")),
            1)
      << log;
  EXPECT_NE(log.find("vimq-hls: error: memory 'act'"), std::string::npos) << log;
  EXPECT_EQ(read("tools.log"), "") << "no tool ran";
}

TEST_F(HlsFlow, Zcu102ConcurrentGenerateOnlyWritesTheFlow) {
  ASSERT_EQ(runHlsWithoutTools("--board zcu102 --core concurrent --generate-only --out " +
                               path("z")),
            0)
      << log;
  EXPECT_TRUE(contains("z/include/vimq/hw/TargetConfig.h", "kTargetName[] = \"zcu102\""));
  for (const char *m : {"fetch", "load", "linear", "conv", "ssm", "vector", "store"}) {
    std::string tcl = std::string("z/hls/") + m + ".tcl";
    EXPECT_TRUE(contains(tcl, std::string("set_top vimq_") + m + "\n")) << tcl;
    EXPECT_TRUE(contains(tcl, "set_part {xczu9eg-ffvb1156-2-e}")) << tcl;
    EXPECT_TRUE(contains(tcl, "create_clock -period 2.857 ")) << tcl;
    EXPECT_TRUE(contains(tcl, "-cflags {-std=c++14 -I")) << tcl;
    EXPECT_TRUE(contains(tcl, "add_files -tb {")) << tcl;
    EXPECT_TRUE(contains(tcl, "hw/hls/tb/replay_tb.cpp}")) << tcl;
    for (const char *step : {"csim_design", "csynth_design", "cosim_design", "export_design"})
      EXPECT_TRUE(contains(tcl, step)) << tcl << " " << step;
    EXPECT_TRUE(contains("z/vivado/core.tcl", std::string(":vimq_") + m + ":1.0 " + m)) << m;
  }
  // The kernel is KernelAbi.h's kKernelName, its arguments KernelAbi.def's rows.
  EXPECT_TRUE(contains("z/link.cfg", "nk=vimq_fetch:1:vimq_fetch_1"));
  EXPECT_TRUE(contains("z/link.cfg", "sp=vimq_fetch_1.m_axi_gmem:HP0"));
  EXPECT_TRUE(contains("z/link.cfg", "freqHz=350000000:vimq_fetch_1"));
  EXPECT_TRUE(contains("z/vivado/package_kernel.tcl", "package_xo"));
  EXPECT_TRUE(contains("z/vivado/package_kernel.tcl", "vimq_overlay.xo} -kernel_name vimq_fetch "));
  EXPECT_TRUE(contains("z/kernel.xml", R"(<arg name="insn_count" addressQualifier="0" id="1")"));
  EXPECT_TRUE(contains("z/kernel.xml", R"(<arg name="status" addressQualifier="1" id="5")"));
  // The real tops' ports: FETCH's cmd[id] / report[id] arrays, a module's tokOut[to] into the
  // peer's tokIn[from] (ids from the ISA: load 0, linear 1, ..., store 5), m_axi bundles.
  const std::string core = "z/vivado/core.tcl";
  EXPECT_TRUE(contains(core, "[get_bd_intf_pins fetch/cmd_1] [get_bd_intf_pins cmdq_linear/S_AXIS]"));
  EXPECT_TRUE(contains(core, "[get_bd_intf_pins cmdq_linear/M_AXIS] [get_bd_intf_pins linear/cmd]"));
  EXPECT_TRUE(contains(core, "[get_bd_intf_pins linear/report] [get_bd_intf_pins repq_linear/S_AXIS]"));
  EXPECT_TRUE(contains(core, "[get_bd_intf_pins repq_linear/M_AXIS] [get_bd_intf_pins fetch/report_1]"));
  EXPECT_TRUE(contains(core, "[get_bd_intf_pins linear/tokOut_5] [get_bd_intf_pins tokq_linear_store/S_AXIS]"));
  EXPECT_TRUE(contains(core, "[get_bd_intf_pins tokq_linear_store/M_AXIS] [get_bd_intf_pins store/tokIn_1]"));
  EXPECT_FALSE(contains(core, "linear/tokOut_1]")) << "no queue from a module to itself";
  EXPECT_TRUE(contains(core, "[get_bd_intf_pins load/m_axi_gmem_ddr]"));
  EXPECT_TRUE(contains(core, "[get_bd_intf_pins fetch/m_axi_gmem1]"));
  EXPECT_TRUE(contains(core, "memory 'act' (16 banks of 16384 x 8 bit)"))
      << "zcu102's banks (hw/src/Common.h)";
  EXPECT_TRUE(contains("z/run.sh", "v++ --link"));
}

TEST_F(HlsFlow, Zcu102WithoutToolsExitsTwoAndSaysWhich) {
  EXPECT_EQ(runHlsWithoutTools("--board zcu102 --out " + path("z")), 2) << log;
  EXPECT_NE(log.find("vimq-hls: error: "), std::string::npos) << log;
  EXPECT_NE(log.find("vitis_hls"), std::string::npos) << log;
  EXPECT_NE(log.find("not found on PATH"), std::string::npos) << log;
  EXPECT_NE(log.find(path("z")), std::string::npos) << "names where the files are: " << log;
  EXPECT_TRUE(llvm::sys::fs::exists(path("z/hls/vimq_seq.tcl")));

  // The sequential link is v++ alone (HLS exported the kernel).
  EXPECT_EQ(runHlsWithoutTools("--board zcu102 --steps link --out " + path("z")), 2) << log;
  EXPECT_NE(log.find("v++ not found on PATH"), std::string::npos) << log;

  EXPECT_EQ(runHlsWithoutTools("--board zcu102 --core concurrent --out " + path("zc")), 2) << log;
  EXPECT_TRUE(llvm::sys::fs::exists(path("zc/hls/fetch.tcl")));
  EXPECT_EQ(runHlsWithoutTools("--board zcu102 --core concurrent --steps link --out " +
                               path("zc")),
            2)
      << log;
  EXPECT_NE(log.find("v++"), std::string::npos) << log;
  EXPECT_NE(log.find("vivado"), std::string::npos) << log;
}

TEST_F(HlsFlow, Vc709SequentialIsOneIpBehindXdmaAndMig) {
  ASSERT_EQ(runHlsWithoutTools("--board vc709 --generate-only --out " + path("v")), 0) << log;
  const std::string tcl = "v/hls/vimq_seq.tcl";
  EXPECT_TRUE(contains(tcl, "set_top vimq_seq\n"));
  EXPECT_TRUE(contains(tcl, "set_part {xc7vx690tffg1761-2}"));
  EXPECT_TRUE(contains(tcl, "create_clock -period 4.000 "));
  EXPECT_TRUE(contains(tcl, "open_solution -reset sol -flow_target vivado\n"));
  EXPECT_TRUE(contains(tcl, "config_export -format ip_catalog "));
  EXPECT_TRUE(contains(tcl, "-ipname vimq_seq\n"));
  const std::string bd = "v/vivado/bd.tcl";
  EXPECT_TRUE(contains(bd, "xilinx.com:ip:xdma:"));
  EXPECT_TRUE(contains(bd, "CONFIG.pl_link_cap_max_link_width {X8}"));
  EXPECT_TRUE(contains(bd, "xilinx.com:ip:mig_7series:"));
  EXPECT_TRUE(contains(bd, "create_bd_cell -type ip -vlnv vimq.org:hls:vimq_seq:1.0 vimq_seq\n"));
  EXPECT_TRUE(contains(bd, "prj_vimq_seq/sol/impl/ip}"));
  // The control registers at offset 0 of the XDMA AXI-Lite BAR (runtime/lib/XdmaDevice.cpp).
  EXPECT_TRUE(contains(bd, "[get_bd_intf_pins ctl_sc/M00_AXI] [get_bd_intf_pins vimq_seq/s_axi_control]"));
  EXPECT_TRUE(contains(bd, "[get_bd_intf_pins xdma_0/M_AXI_LITE]] -offset 0x00000000 -range 64K "
                           "[get_bd_addr_segs vimq_seq/s_axi_control/Reg]"));
  // Both m_axi bundles and the DMA into the same DDR map.
  EXPECT_TRUE(contains(bd, "[get_bd_intf_pins xdma_0/M_AXI] [get_bd_intf_pins ddr_sc/S00_AXI]"));
  EXPECT_TRUE(contains(bd, "[get_bd_intf_pins vimq_seq/m_axi_gmem0] [get_bd_intf_pins ddr_sc/S01_AXI]"));
  EXPECT_TRUE(contains(bd, "[get_bd_intf_pins vimq_seq/m_axi_gmem1] [get_bd_intf_pins ddr_sc/S02_AXI]"));
  EXPECT_TRUE(contains(bd, "[get_bd_intf_pins vimq_seq/m_axi_gmem1]] -offset 0x000000000 -range 4G "
                           "[get_bd_addr_segs mig_0/memmap/memaddr]"));
  EXPECT_TRUE(contains(bd, "CONFIG.CLKOUT1_REQUESTED_OUT_FREQ 250 "));
  EXPECT_TRUE(contains(bd, "write_bitstream"));
  EXPECT_FALSE(contains(bd, "vimq_create_core")) << "no concurrent core";
  EXPECT_FALSE(llvm::sys::fs::exists(path("v/link.cfg")));

  EXPECT_EQ(runHlsWithoutTools("--board vc709 --steps bd --out " + path("v")), 2) << log;
  EXPECT_NE(log.find("vivado not found on PATH"), std::string::npos) << log;
  EXPECT_NE(runHlsWithoutTools("--board vc709 --core parallel --out " + path("v")), 0) << log;
  EXPECT_NE(log.find("invalid choice: 'parallel'"), std::string::npos) << log;
}

TEST_F(HlsFlow, Vc709ConcurrentGenerateOnlyAndWithoutTools) {
  ASSERT_EQ(runHlsWithoutTools("--board vc709 --core concurrent --generate-only --out " +
                               path("v")),
            0)
      << log;
  EXPECT_TRUE(contains("v/hls/ssm.tcl", "set_part {xc7vx690tffg1761-2}"));
  EXPECT_TRUE(contains("v/hls/ssm.tcl", "create_clock -period 4.000 "));
  EXPECT_TRUE(contains("v/vivado/bd.tcl", "xilinx.com:ip:xdma:"));
  EXPECT_TRUE(contains("v/vivado/bd.tcl", "CONFIG.pl_link_cap_max_link_width {X8}"));
  EXPECT_TRUE(contains("v/vivado/bd.tcl", "xilinx.com:ip:mig_7series:"));
  EXPECT_TRUE(contains("v/vivado/bd.tcl", "write_bitstream"));
  EXPECT_FALSE(llvm::sys::fs::exists(path("v/link.cfg")));
  // vc709's act memory has kActBanks = max(linear_rows, vector_width) = 48 banks.
  EXPECT_TRUE(contains("v/vivado/core.tcl", "memory 'act' (48 banks of 12288 x 8 bit)"));

  EXPECT_EQ(runHlsWithoutTools("--board vc709 --core concurrent --steps bd --out " + path("v")),
            2)
      << log;
  EXPECT_NE(log.find("vivado not found on PATH"), std::string::npos) << log;

  EXPECT_EQ(runHlsWithoutTools("--board vc709 --steps link --out " + path("v")), 1) << log;
  EXPECT_NE(log.find("unknown step 'link' for vc709"), std::string::npos) << log;
}

TEST_F(HlsFlow, ModulesJsonIsCheckedAgainstTheTops) {
  // hw/hls/modules.json with one port's bundle or name changed: the generator refuses it and
  // names the top's file and line.
  std::string modulesJson = (llvm::sys::path::parent_path(VIMQ_HLS) + "/modules.json").str();
  std::ifstream in(modulesJson);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string good = ss.str();
  auto variant = [&](const std::string &from, const std::string &to) {
    std::string text = good;
    size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos)
      text.replace(at, from.size(), to);
    write("m.json", text);
    return runHlsWithoutTools("--board zcu102 --core concurrent --generate-only --modules " +
                              path("m.json") + " --out " + path("z"));
  };
  ASSERT_EQ(variant("\"gmem_ddr\"", "\"gmem_ddr\""), 0) << log;
  EXPECT_EQ(variant("\"gmem_ddr\"", "\"gmem0\""), 1) << log;
  EXPECT_NE(log.find("hw/src/Load.cpp:"), std::string::npos) << log;
  EXPECT_NE(log.find("port 'ddr': bundle = gmem_ddr"), std::string::npos) << log;
  EXPECT_EQ(variant("\"tokOut\": { \"mode\": \"axis\", \"array\": \"modules\" }",
                    "\"tokens\": { \"mode\": \"axis\", \"array\": \"modules\" }"),
            1)
      << log;
  EXPECT_NE(log.find("vimq_load: parameters ("), std::string::npos) << log;
  EXPECT_EQ(variant("\"banks\": \"kActBanks\"", "\"banks\": \"kNoSuchBanks\""), 1) << log;
  EXPECT_NE(log.find("no 'constexpr int kNoSuchBanks"), std::string::npos) << log;

  // The sequential kernel's top is checked against the kernel ABI like FETCH's.
  auto seqVariant = [&](const std::string &from, const std::string &to) {
    std::string text = good;
    size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos)
      text.replace(at, from.size(), to);
    write("m.json", text);
    return runHlsWithoutTools("--board zcu102 --generate-only --modules " + path("m.json") +
                              " --out " + path("s"));
  };
  ASSERT_EQ(seqVariant("\"top\": \"vimq_seq\"", "\"top\": \"vimq_seq\""), 0) << log;
  EXPECT_EQ(seqVariant("\"top\": \"vimq_seq\"", "\"top\": \"vimq_nope\""), 1) << log;
  EXPECT_NE(log.find("hw/src/Sequential.cpp does not define vimq_nope"), std::string::npos) << log;
  EXPECT_EQ(seqVariant("\"top\": \"vimq_seq\", \"control\": \"ap_ctrl_hs\"",
                       "\"top\": \"vimq_seq\", \"control\": \"ap_ctrl_none\""),
            1)
      << log;
  EXPECT_NE(log.find("hw/src/Sequential.cpp:"), std::string::npos) << log;
  EXPECT_NE(log.find("control protocol ap_ctrl_hs"), std::string::npos) << log;
}

} // namespace
