"""The tax-benefit model behind the benefit-cliff lens: PolicyEngine-US, run offline.

:mod:`graph_service.taxben.policyengine` turns households into a PolicyEngine situation and
runs one vectorised simulation for many (household, earnings) points at once.
"""
