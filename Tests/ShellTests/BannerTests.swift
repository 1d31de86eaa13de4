import Shell
import Testing

@Test func bannerNamesTheProduct() {
    #expect(ShellInfo.banner.hasPrefix("Cutaway"))
}
