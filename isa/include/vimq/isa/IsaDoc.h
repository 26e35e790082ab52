//===- IsaDoc.h - the ISA's field tables as Markdown --------------------------------*- C++ -*-===//
//
// docs/isa.md embeds this output (between the "generated" markers) so the document cannot drift
// from Isa.def; `vimq-objdump --isa-tables` prints it and tests/isa checks the document.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <string>

namespace vimq::isa {

std::string isaFieldTablesMarkdown();

} // namespace vimq::isa
