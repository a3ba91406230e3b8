from broker_segments.report.build import main

main()
