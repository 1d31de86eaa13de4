/// The interactive loop: prompt, read a line with editing, hand it to the driver.
public struct REPL {
    let driver: ShellDriver

    public init(driver: ShellDriver) { self.driver = driver }

    /// Runs until `.quit` or Ctrl-D on an empty line.
    public func run() {
        driver.output.write(ShellInfo.banner + "\n")
        while !driver.finished {
            let prompt = driver.isPending ? driver.continuationPrompt : driver.prompt
            driver.output.write(prompt)
            guard let line = readLine(strippingNewline: true) else { break }
            driver.feed(line: line)
        }
        driver.finish()
    }
}
