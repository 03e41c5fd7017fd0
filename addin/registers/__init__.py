"""The billing cycle's memory: the Claim Register, the Remittance Register, acknowledgments.

Registers are sheets Claimbook appends to and never rebuilds. This package knows their
columns and rows, works out what a row means (a claim's status and history from its
events), decides what is a duplicate payment, and builds the worklist; reading and writing
the sheets is the sheets layer's, deciding what a run does is the runs layer's.
"""
