from saleskpi.analyses.loyalty.did import DidEstimate, did
